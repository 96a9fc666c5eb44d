package dev.perfstream.streams.stats;

import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.impact.ImpactEvent;
import dev.perfstream.streams.impact.ImpactWindows;
import dev.perfstream.streams.outage.ParkedRecord;
import dev.perfstream.streams.stats.state.PartialRecord;
import dev.perfstream.streams.stats.state.SeriesWindowStore;
import dev.perfstream.streams.stats.state.WindowAccumulator;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The records of the stage's partials topic, sent by other tasks (or, with one partition, by this
 * one): partial windows of series this task owns, merged into its store; watermarks, which may
 * close windows; and impact events of apps this task owns. Nothing here goes through the registry,
 * so nothing is parked.
 */
final class StatsPartials {
    private final SeriesWindowStore store;
    private final EventDecoder decoder;
    /** Null when the impact windows are off. */
    private final ImpactWindows impact;
    private final StatsOutput out;
    private final Consumer<WindowAccumulator> emit;
    private final CounterDataPoint late;

    StatsPartials(SeriesWindowStore store, EventDecoder decoder, ImpactWindows impact, StatsOutput out,
                  Consumer<WindowAccumulator> emit, CounterDataPoint late) {
        this.store = store;
        this.decoder = decoder;
        this.impact = impact;
        this.out = out;
        this.emit = emit;
        this.late = late;
    }

    /** A partial or a watermark from another task (or, with one partition, from this one). */
    void handle(ParkedRecord r) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (ImpactEvent.isKey(key)) {
            forwardedImpact(r, key);
            return;
        }
        PartialRecord p;
        try {
            p = store.decodePartial(key, r.value());
        } catch (IOException | RuntimeException e) {
            out.deadLetter(r, "parse", "undecodable record on the stage's partials topic: " + e.getMessage());
            return;
        }
        if (p.isWatermark()) {
            store.upstreamWatermark(p.sender(), p.watermark(), emit);
            out.flushDetails();
            return;
        }
        SeriesKey id;
        try {
            id = decoder.admit(SeriesKey.parse(key), p.start());
        } catch (RuntimeException e) {
            out.deadLetter(r, "parse", "partial with a key that is not a series id: " + key);
            return;
        }
        String refused = store.mergePartial(id.id(), p.sizeMs(), p.start(), p.partial());
        if (refused == null) {
            return;
        }
        if (refused.equals("late")) {
            late.inc(p.partial().count());
            store.countLate(id.id(), p.partial().unit(), p.partial().count() + p.partial().late());
            out.deadLetter(r, "late", p.partial().count() + " events of series " + id.id() + " in the window from "
                + Instant.ofEpochMilli(p.start()) + " forwarded by task " + p.sender() + " after this owner closed it"
                + " (close time " + Instant.ofEpochMilli(store.closeTime()) + "): tasks disagree on ownership or on the"
                + " number of tasks; counted as late");
        } else {
            out.deadLetter(r, "validation", "partial from task " + p.sender() + ": " + refused);
        }
    }

    /** An impact event of an app this task owns, forwarded by the task that received it. */
    private void forwardedImpact(ParkedRecord r, String key) {
        ImpactEvent e;
        try {
            e = ImpactEvent.decode(key, r.value());
        } catch (IOException | RuntimeException ex) {
            out.deadLetter(r, "parse", "undecodable impact event on the stage's partials topic: " + ex.getMessage());
            return;
        }
        if (impact == null) {
            return; // this instance runs with the impact windows off
        }
        if (impact.isClosed(e.timestamp(), store.closeTime())) {
            out.deadLetter(r, "late", "impact event of app " + e.app() + " at " + Instant.ofEpochMilli(e.timestamp())
                + " forwarded after this owner closed its impact window: tasks disagree on ownership; not joined");
            return;
        }
        impact.add(new ImpactEvent(e.timestamp(), e.app(), decoder.admitPage(e.app(), e.page()), e.session(), e.vital(),
            e.value(), e.goal()));
    }
}
