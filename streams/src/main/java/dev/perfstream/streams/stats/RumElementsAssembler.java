package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.RumElementStats;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.streams.stats.state.WindowAccumulator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Collects the closed windows of the {@link RumAttributes} series that one store advance hands out and turns them
 * into the rows of {@code perf.rum.elements}, ranked by count. The store closes every window of one size and end in
 * the same advance, and an app's series all live on its owner task, so one advance sees every element of a page for
 * that window: ranks and shares are over all of them. Every row goes out (the cap bounds them), none is dropped.
 * Not thread-safe: one per stream task.
 */
final class RumElementsAssembler {
    private static final double[] QUANTILES = {0.50, 0.75, 0.95};
    private static final Comparator<WindowAccumulator> BY_COUNT_DESC =
        Comparator.comparingLong(WindowAccumulator::count).reversed();
    private static final Comparator<String> TEXT = Comparator.nullsFirst(Comparator.naturalOrder());

    /**
     * (app, page, attribution series name, device class, start, end) -> its rows by value (sorted: a stable order).
     * Out in the order of the windows' end, as every topic of the stage (see {@code QueryCacheAssembler}).
     */
    private final Map<GroupKey, TreeMap<String, WindowAccumulator>> groups = new TreeMap<>(Comparator
        .comparingLong(GroupKey::end).thenComparing(GroupKey::app, TEXT).thenComparing(GroupKey::page, TEXT)
        .thenComparing(GroupKey::name, TEXT).thenComparing(GroupKey::deviceClass, TEXT).thenComparingLong(GroupKey::start));

    private record GroupKey(String app, String page, String name, String deviceClass, long start, long end) {
    }

    boolean isEmpty() {
        return groups.isEmpty();
    }

    /** One closed window of an attribution series. */
    void add(SeriesKey id, WindowAccumulator a) {
        groups.computeIfAbsent(new GroupKey(id.owner(), id.route(), id.name(), id.deviceClass(), a.start(), a.end()),
            k -> new TreeMap<>()).put(id.attribute(), a);
    }

    /** Hands out the rows of everything collected since the last flush, then forgets it. */
    void flush(Consumer<RumElementStats> out) {
        for (Map.Entry<GroupKey, TreeMap<String, WindowAccumulator>> e : groups.entrySet()) {
            rows(e.getKey(), e.getValue()).forEach(out);
        }
        groups.clear();
    }

    private static List<RumElementStats> rows(GroupKey k, TreeMap<String, WindowAccumulator> byValue) {
        List<Map.Entry<String, WindowAccumulator>> rows = new ArrayList<>(byValue.size());
        long total = 0;
        for (Map.Entry<String, WindowAccumulator> e : byValue.entrySet()) {
            if (e.getValue().count() > 0) { // a window with only late events has no row
                rows.add(e);
                total += e.getValue().count();
            }
        }
        rows.sort(Map.Entry.comparingByValue(BY_COUNT_DESC)); // stable: equal counts keep the values' order
        SeriesKey id = SeriesKey.rumAttribute(k.name(), k.app(), k.page(), k.deviceClass(), "");
        String dimension = RumAttributes.dimension(id);
        String vital = RumAttributes.vital(id);
        List<RumElementStats> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String value = rows.get(i).getKey();
            WindowAccumulator a = rows.get(i).getValue();
            double[] q = a.quantiles(QUANTILES);
            out.add(RumElementStats.newBuilder()
                .setApp(k.app()).setPage(k.page()).setVital(vital).setDeviceClass(k.deviceClass())
                .setWindowStart(Instant.ofEpochMilli(k.start())).setWindowEnd(Instant.ofEpochMilli(k.end()))
                .setDimension(dimension).setValue(value).setOverflow(value.equals(CardinalityGuard.OVERFLOW))
                .setRank(i + 1).setCount(a.count()).setP50(q[0]).setP75(q[1]).setP95(q[2]).setMax(a.max())
                .setPoorShare((double) a.poor() / a.count()).setShare((double) a.count() / total)
                .setUnit(a.unit()).setRows(rows.size())
                .build());
        }
        return out;
    }
}
