package dev.perfstream.runtime;

import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;

/** The JVM's metrics (heap, GC, threads, class loading, process CPU) in the registry, once per process. */
final class JvmMetricsOnce {
    private static boolean done;

    private JvmMetricsOnce() {
    }

    static synchronized void register() {
        if (!done) {
            JvmMetrics.builder().register(PerfstreamMetrics.REGISTRY);
            done = true;
        }
    }
}
