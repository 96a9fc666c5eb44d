package dev.perfstream.bench.stats;

import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.stats.state.SeriesWindowStore;
import dev.perfstream.streams.stats.state.SeriesWindowStoreBuilder;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perfstream bench state}: bytes of state per series-window, encoded (what the changelog
 * and RocksDB hold) and on the heap (the live sketches), for N active series with the default
 * windows (10 s, 1 min, 5 min) and the hourly rollup. Heap is measured as the growth of used
 * heap after GC, so run it alone in its JVM.
 */
@Command(name = "state", mixinStandardHelpOptions = true, description = "Measure state bytes per series-window.")
public final class StateFootprintCommand implements Callable<Integer> {
    @Option(names = "--series", description = "Active series (default ${DEFAULT-VALUE}).")
    int series = 100_000;

    @Option(names = "--events-per-series", description = "Events per series, all in one 10 s window (default ${DEFAULT-VALUE}).")
    int perSeries = 50;

    @Override
    public Integer call() {
        long[] sizes = {10_000, 60_000, 300_000, 3_600_000};
        long before = usedAfterGc();
        SeriesWindowStore store = new SeriesWindowStoreBuilder("footprint", false, sizes, 3, 30_000, 0.01, 2048).build();
        Random r = new Random(3);
        long t0 = 1_795_000_000_000L - 1_795_000_000_000L % 3_600_000;
        for (int e = 0; e < perSeries; e++) {
            for (int s = 0; s < series; s++) {
                store.add(SeriesKey.metric("http.server.duration", "svc-" + (s % 100), "/api/r" + (s / 100)).id(), t0 + e * 100L,
                    Math.exp(3 + 0.8 * r.nextGaussian()), false, -1, "ms");
            }
        }
        long heap = usedAfterGc() - before;
        int windows = store.openWindows();
        long encoded = store.encodedBytesOfOpenWindows();
        System.out.printf(Locale.ROOT, "series=%d events_per_series=%d open_windows=%d heap_bytes=%d heap_per_window=%.0f "
                + "encoded_per_window=%.0f max_heap=%d%n", series, perSeries, windows, heap, heap / (double) windows,
            encoded / (double) windows, Runtime.getRuntime().maxMemory());
        return 0;
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
