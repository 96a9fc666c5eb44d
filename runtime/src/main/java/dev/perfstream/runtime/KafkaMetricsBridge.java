package dev.perfstream.runtime;

import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Kafka's own client metrics (Kafka Streams, consumers, producers, admin clients: whatever
 * {@code metrics()} returns) in Prometheus form, read at scrape time ({@link StatusServer} writes them after
 * the registry's series; only the scraped stage's clients are read). Nothing is counted twice: the values
 * are Kafka's.
 *
 * <p>Written here rather than taken from a library: the Prometheus Java client has no Kafka bridge,
 * and Micrometer's {@code KafkaStreamsMetrics} would bring a second metrics library beside the one the
 * collector already uses. The mapping is Micrometer's and the JMX exporter's usual one:
 * {@code kafka_<group without -metrics>_<name>}, tags as labels; a name ending in {@code -total} is a
 * counter; explicit unit tokens ({@code -ms}, {@code -ns}) become seconds, values converted; a gauge
 * ending in {@code _count} is renamed {@code _number}, one ending in another suffix Prometheus reserves
 * ({@code _sum}, {@code _bucket}, ...) gets {@code _value};
 * non-numeric and non-finite values are left out.
 */
public final class KafkaMetricsBridge {
    private static final KafkaMetricsBridge INSTANCE = new KafkaMetricsBridge();
    private static final Pattern NOT_NAME = Pattern.compile("[^a-z0-9_]+");
    private static final Pattern UNDERSCORES = Pattern.compile("_+");

    private record Source(String stage, Supplier<Map<MetricName, ? extends Metric>> metrics) {
    }

    private final List<Source> sources = new CopyOnWriteArrayList<>();

    private KafkaMetricsBridge() {
    }

    /**
     * Exposes one client's metrics, with a {@code stage} label, until the returned handle is closed (close it
     * when the client closes).
     *
     * @param stage   the stage the client works for (stats, sink, collector, ...)
     * @param metrics e.g. {@code kafkaStreams::metrics} or {@code consumer::metrics}
     */
    public static PerfstreamMetrics.Registration register(String stage, Supplier<Map<MetricName, ? extends Metric>> metrics) {
        Source source = new Source(stage, metrics);
        INSTANCE.sources.add(source);
        return () -> INSTANCE.sources.remove(source);
    }

    /** A metric's Prometheus name and the factor its value is multiplied by; null when it is left out. */
    record Mapped(String name, boolean counter, double factor) {
    }

    static Mapped map(MetricName m) {
        String group = m.group().endsWith("-metrics") ? m.group().substring(0, m.group().length() - "-metrics".length())
            : m.group();
        String name = m.name();
        boolean counter = name.endsWith("-total");
        if (counter) {
            name = name.substring(0, name.length() - "-total".length());
        }
        String full = snake("kafka_" + group + "_" + name);
        double factor = 1;
        StringBuilder out = new StringBuilder();
        for (String token : full.split("_")) {
            String t = token;
            switch (token) {
                case "ms": t = "seconds"; factor = 1e-3; break;
                case "us": t = "seconds"; factor = 1e-6; break;
                case "ns": t = "seconds"; factor = 1e-9; break;
                default: break;
            }
            if (!out.isEmpty()) {
                out.append('_');
            }
            out.append(t);
        }
        full = out.toString();
        if (!counter) {
            if (full.endsWith("_count")) {
                full = full.substring(0, full.length() - "_count".length()) + "_number";
            } else if (full.endsWith("_sum") || full.endsWith("_bucket") || full.endsWith("_created")
                || full.endsWith("_info") || full.endsWith("_total")) {
                full = full + "_value";
            }
        }
        return PrometheusNaming.isValidMetricName(full) ? new Mapped(full, counter, factor) : null;
    }

    private static String snake(String s) {
        String lower = s.toLowerCase(Locale.ROOT).replace('-', '_').replace('.', '_');
        return UNDERSCORES.matcher(NOT_NAME.matcher(lower).replaceAll("_")).replaceAll("_");
    }

    private static final class Family {
        final boolean counter;
        final String help;
        final Map<Labels, Double> points = new java.util.LinkedHashMap<>();

        Family(boolean counter, String help) {
            this.counter = counter;
            this.help = help;
        }
    }

    /** The metrics of the clients of one stage (all stages: null), read now. */
    static MetricSnapshots collectStage(String stage) {
        return INSTANCE.collect(stage);
    }

    private MetricSnapshots collect(String stage) {
        Map<String, Family> families = new TreeMap<>();
        for (Source source : sources) {
            if (stage != null && !stage.equals(source.stage())) {
                continue;
            }
            Map<MetricName, ? extends Metric> metrics;
            try {
                metrics = source.metrics().get();
            } catch (RuntimeException e) {
                continue; // a client closing during the scrape
            }
            for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
                Object v;
                try {
                    v = e.getValue().metricValue();
                } catch (RuntimeException ex) {
                    continue;
                }
                if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                    continue;
                }
                Mapped mapped = map(e.getKey());
                if (mapped == null) {
                    continue;
                }
                String help = e.getKey().description() == null || e.getKey().description().isBlank()
                    ? "Kafka metric " + e.getKey().group() + " " + e.getKey().name() : e.getKey().description();
                Family f = families.computeIfAbsent(mapped.name(), k -> new Family(mapped.counter(), help));
                if (f.counter != mapped.counter()) {
                    continue; // a gauge and a counter that map to one name: keep the first
                }
                f.points.putIfAbsent(labels(source.stage(), e.getKey().tags()), n.doubleValue() * mapped.factor());
            }
        }
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        families.forEach((name, f) -> {
            if (f.counter) {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(f.help);
                f.points.forEach((l, v) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l)
                    .value(Math.max(0, v)).build()));
                out.add(b.build());
            } else {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(f.help);
                f.points.forEach((l, v) -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l)
                    .value(v).build()));
                out.add(b.build());
            }
        });
        return new MetricSnapshots(out);
    }

    private static Labels labels(String stage, Map<String, String> tags) {
        Labels.Builder b = Labels.builder().label("stage", stage);
        Set<String> seen = new HashSet<>(Set.of("stage"));
        new TreeMap<>(tags).forEach((k, v) -> {
            String name = PrometheusNaming.sanitizeLabelName(snake(k));
            if (seen.add(name)) {
                b.label(name, v == null ? "" : v);
            }
        });
        return b.build();
    }
}
