package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.streams.alerts.attribution.Attributor;
import dev.perfstream.streams.alerts.attribution.HeldAlerts;
import java.time.Clock;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the alerts of an {@link AlertProcessor} go: out at once, or, while bottleneck attribution
 * holds a FIRING of the same alert, queued behind it and released with it.
 */
final class AlertOutput {
    private static final Logger LOG = LoggerFactory.getLogger(AlertProcessor.class);

    private final ProcessorContext<String, Alert> context;
    /** Null when attribution is off. */
    private final Attributor attribution;
    private final Clock clock;

    AlertOutput(ProcessorContext<String, Alert> context, Attributor attribution, Clock clock) {
        this.context = context;
        this.attribution = attribution;
        this.clock = clock;
    }

    void forward(String fp, Alert a, long ts) {
        if (attribution != null && attribution.holding(fp)) {
            attribution.queue(fp, a, ts); // after the held FIRING, when it goes out
            return;
        }
        emit(fp, a, ts);
    }

    /** Forwards the held alerts of the service whose windows (alert and baseline, every feed they read) are all in. */
    void releaseReady(String service) {
        if (attribution.holdingAny()) {
            for (Attributor.Released h : attribution.ready(service)) {
                release(h);
            }
        }
    }

    /** The held FIRING with its attribution, then the later notifications of the same alert that waited behind it. */
    void release(Attributor.Released r) {
        HeldAlerts.Held h = r.held();
        emit(h.fingerprint(), attribution.release(r, clock.millis()), h.timestamp());
        for (HeldAlerts.Queued q : h.queued()) {
            emit(h.fingerprint(), q.alert(), q.timestamp());
        }
    }

    private void emit(String fp, Alert a, long ts) {
        LOG.info("{}", a.getSummary());
        PerfstreamMetrics.ALERT_TRANSITIONS.labelValues("alerts", a.getRule(), a.getState().name()).inc();
        context.forward(new Record<>(fp, a, ts));
    }
}
