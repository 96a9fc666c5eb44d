package dev.perfstream.streams.release;

import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perfstream compare}: the release test of the REGRESSION alerts, as a table, for any two versions or
 * time ranges of one service. It reads the per-version windows from perf.stats rather than InfluxDB: the test
 * needs the windows' sketches, which only the topic carries (InfluxDB's {@code release_stats} holds their
 * percentiles, and percentiles of windows cannot be merged into the percentile of a range). What it can
 * compare is what the topic still holds (its retention).
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compare two releases (or two time ranges) of a service route by route: events, p50, p95, the p95 shift"
        + " with its lower confidence bound, error rates and the verdict of the release test that raises REGRESSION"
        + " alerts (order-statistic bounds on the merged DDSketches; see the README).",
        "",
        "  compare --service checkout --from 1.4.0 --to 1.5.0",
        "      both versions over the windows both served (same hours)",
        "  compare --service checkout --baseline now-3h..now-2h --window now-1h..now",
        "      all versions in each range (--from / --to restrict a side to one version; ISO-8601 instants work too)",
        "",
        "Reads the per-version windows (WindowStats with serviceVersion) from perf.stats; Avro through"
            + " schema.registry.url (default: the local registry)."})
public final class CompareCommand implements Callable<Integer> {
    @Option(names = "--service", required = true, description = "Service to compare.")
    String service;

    @Option(names = "--from", paramLabel = "VERSION", description = "The old version (the baseline).")
    String from;

    @Option(names = "--to", paramLabel = "VERSION", description = "The new version.")
    String to;

    @Option(names = "--baseline", paramLabel = "FROM..TO", description = "Time range of the baseline (window starts): ISO-8601"
        + " instants, 'now' or 'now-<duration>' (e.g. now-2h). Needs --window.")
    String baseline;

    @Option(names = "--window", paramLabel = "FROM..TO", description = "Time range compared with the baseline.")
    String window;

    @Option(names = "--metric", description = "Metric (default: ${DEFAULT-VALUE}).", defaultValue = "http.server.duration")
    String metric;

    @Option(names = {"-c", "--config"}, description = "Properties file with settings (release.* keys set the test).")
    Path config;

    @Option(names = {"-b", "--bootstrap-servers"}, description = "Kafka bootstrap servers (default: kafka.bootstrap.servers or 127.0.0.1:9092).")
    String bootstrap;

    @Option(names = "--topic", description = "Stats topic (default: topic.stats or perf.stats).")
    String topic;

    @Override
    public Integer call() throws Exception {
        if ((baseline == null) != (window == null)) {
            throw new IllegalArgumentException("--baseline and --window go together");
        }
        if (baseline == null && (from == null || to == null)) {
            throw new IllegalArgumentException("give --from and --to (two versions), or --baseline and --window (two time ranges)");
        }
        Instant now = Instant.now();
        Instant[] b = baseline == null ? null : range("--baseline", baseline, now);
        Instant[] w = window == null ? null : range("--window", window, now);
        Map<String, String> o = new LinkedHashMap<>();
        if (bootstrap != null) {
            o.put("kafka.bootstrap.servers", bootstrap);
        }
        if (topic != null) {
            o.put("topic.stats", topic);
        }
        Settings loaded = Settings.load(config, System.getenv(), o);
        loaded.throwIfInvalid("perfstream");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("schema.registry.url", "http://127.0.0.1:8081/apis/ccompat/v7");
        m.putAll(loaded.asMap());
        m.put("output.format", "json");
        Settings s = Settings.of(m);
        ReleaseConfig c = ReleaseConfig.from(s);
        s.throwIfInvalid("perfstream compare");
        Instant since = b == null ? Instant.EPOCH : (b[0].isBefore(w[0]) ? b[0] : w[0]);
        List<WindowStats> windows = read(KafkaClients.from(s), s.get(TopicKeys.STATS),
            Codecs.create(WindowStats.getClassSchema(), s), service, since, System.err);
        System.out.print(ReleaseReport.render(new ReleaseReport.Query(service, metric, from, to, b, w), windows, c));
        return 0;
    }

    /** {@code A..B} with A and B ISO-8601 instants, {@code now} or {@code now-<duration>}. */
    static Instant[] range(String option, String text, Instant now) {
        int dots = text.indexOf("..");
        if (dots < 0) {
            throw new IllegalArgumentException(option + ": expected FROM..TO, got " + text);
        }
        Instant a = instant(option, text.substring(0, dots), now);
        Instant b = instant(option, text.substring(dots + 2), now);
        if (!a.isBefore(b)) {
            throw new IllegalArgumentException(option + ": " + a + " is not before " + b);
        }
        return new Instant[] {a, b};
    }

    private static Instant instant(String option, String t, Instant now) {
        try {
            if (t.equals("now")) {
                return now;
            }
            if (t.startsWith("now-")) {
                return now.minus(Settings.parseDuration(t.substring(4)));
            }
            return Instant.parse(t);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": '" + t + "' is not an ISO-8601 instant, now or now-<duration>");
        }
    }

    /**
     * The per-version windows of {@code service} whose record time (window end) is at or after {@code since}, up to
     * the end of the topic as it was when reading started. Committed records only; no consumer group.
     */
    public static List<WindowStats> read(KafkaClients clients, String topic, RecordCodec<WindowStats> codec, String service,
                                         Instant since, PrintStream log) {
        Properties p = clients.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000));
        List<WindowStats> out = new ArrayList<>();
        long undecodable = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            consumer.assign(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            Map<TopicPartition, Long> query = new HashMap<>();
            parts.forEach(tp -> query.put(tp, since.toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition tp : parts) {
                OffsetAndTimestamp o = start.get(tp);
                long first = o == null ? end.get(tp) : o.offset();
                consumer.seek(tp, first);
                if (first < end.get(tp)) {
                    remaining.put(tp, end.get(tp));
                }
            }
            while (!remaining.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long stop = remaining.get(tp);
                    if (stop == null || r.offset() >= stop) {
                        continue;
                    }
                    try {
                        WindowStats w = codec.decode(topic, r.value());
                        if (w.getServiceVersion() != null && w.getService().equals(service)) {
                            out.add(w);
                        }
                    } catch (DecodeException | RuntimeException e) {
                        undecodable++;
                    }
                }
                for (TopicPartition tp : new ArrayList<>(remaining.keySet())) {
                    if (consumer.position(tp) >= remaining.get(tp)) {
                        remaining.remove(tp);
                    }
                }
            }
        }
        if (undecodable > 0) {
            log.printf("perfstream compare: %d records of %s could not be decoded and were skipped%n", undecodable, topic);
        }
        return out;
    }
}
