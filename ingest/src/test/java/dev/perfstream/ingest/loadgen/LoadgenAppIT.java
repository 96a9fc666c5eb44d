package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.schemas.validate.EventValidator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The load generator against a real broker: every produced record arrives, decodes, and is valid. */
class LoadgenAppIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void shouldProduceDecodableValidEventsToBothTopics() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(2, "it-lg-metrics", "it-lg-rum");
            Path incidents = dir.resolve("incidents.jsonl");
            // A fixed time of day: the traffic model's daily cycle makes 02:00 UTC carry a third of 14:00's
            // traffic, so with the simulated window ending "now" the counts below depended on when CI ran
            // (19,865 metric events at 00:40 UTC on a Friday).
            Settings s = Settings.of(Map.ofEntries(Map.entry("kafka.bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("topic.metrics", "it-lg-metrics"), Map.entry("topic.rum", "it-lg-rum"),
                Map.entry("loadgen.speedup", "0"), Map.entry("loadgen.duration", "30m"),
                Map.entry("loadgen.rate", "20"), Map.entry("loadgen.seed", "5"),
                Map.entry("loadgen.start", recentWeekdayNoon(Instant.now()).toString()),
                Map.entry("loadgen.incidents.file", incidents.toString())));
            long metrics;
            long rum;
            try (LoadgenApp app = LoadgenApp.start(s)) {
                assertThat(app.awaitCompletion(90, TimeUnit.SECONDS)).isTrue();
                metrics = app.metricsSent();
                rum = app.rumSent();
                assertThat(app.failed()).isZero();
                assertThat(app.acked()).isEqualTo(metrics + rum);
                assertThat(IncidentFile.read(incidents)).isEqualTo(app.incidents()).hasSize(4);
            }
            assertThat(metrics).isGreaterThan(20_000);
            assertThat(rum).isGreaterThan(2_000);

            RecordCodec<MetricEvent> mc = Codecs.create(MetricEvent.getClassSchema(), s);
            RecordCodec<RumEvent> rc = Codecs.create(RumEvent.getClassSchema(), s);
            EventValidator v = EventValidator.withDefaults(Clock.systemUTC());
            List<String> problems = new ArrayList<>();
            long[] seen = new long[2];
            // Every send was acknowledged (acked == sent above): the topics hold them all now.
            for (ConsumerRecord<byte[], byte[]> r : kafka.clients().records("it-lg-metrics")) {
                try {
                    MetricEvent e = mc.decode(r.topic(), r.value());
                    problems.addAll(v.check(e));
                    assertThat(new String(r.key())).isEqualTo(e.getService());
                    seen[0]++;
                } catch (DecodeException e) {
                    problems.add(e.getMessage());
                }
            }
            for (ConsumerRecord<byte[], byte[]> r : kafka.clients().records("it-lg-rum")) {
                try {
                    problems.addAll(v.check(rc.decode(r.topic(), r.value())));
                    seen[1]++;
                } catch (DecodeException e) {
                    problems.add(e.getMessage());
                }
            }
            assertThat(seen).containsExactly(metrics, rum);
            assertThat(problems).isEmpty();
        }
    }

    /** 12:00 UTC of the latest weekday whose 12:00-12:30 lies wholly in the past: at most 4 days ago. */
    static Instant recentWeekdayNoon(Instant now) {
        ZonedDateTime t = now.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).withHour(12);
        while (t.plusMinutes(30).toInstant().isAfter(now)
            || t.getDayOfWeek() == DayOfWeek.SATURDAY || t.getDayOfWeek() == DayOfWeek.SUNDAY) {
            t = t.minusDays(1);
        }
        return t.toInstant();
    }
}
