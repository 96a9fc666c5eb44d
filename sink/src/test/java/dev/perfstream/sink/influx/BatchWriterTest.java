package dev.perfstream.sink.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.sink.influx.PendingBatch.Entry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The isolation logic of {@link BatchWriter} with a scripted writer (the real InfluxDB behaviour is
 * covered by SinkIT): a 400 is narrowed down to the offending points, a transient failure aborts.
 */
class BatchWriterTest {
    /** Rejects (HTTP 400) any request containing a line with "bad"; fails (no answer) while {@code down}. */
    static final class ScriptedWriter implements InfluxWriter {
        final List<List<String>> requests = new ArrayList<>();
        final List<String> stored = new ArrayList<>();
        boolean down;

        @Override
        public void prepare() {
        }

        @Override
        public void write(List<String> lines) throws WriteFailure {
            requests.add(List.copyOf(lines));
            if (down) {
                throw new WriteFailure(0, "connection refused", null);
            }
            if (lines.stream().anyMatch(l -> l.contains("bad"))) {
                throw new WriteFailure(400, "partial write: field type conflict", null);
            }
            stored.addAll(lines);
        }

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void close() {
        }
    }

    final ScriptedWriter influx = new ScriptedWriter();
    final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    final RecordCodec<DeadLetter> codec = Codecs.create(DeadLetter.getClassSchema(), Settings.of(Map.of()));
    final SinkMetrics metrics = new SinkMetrics();
    final BatchWriter writer = new BatchWriter(influx, producer, codec, "dl", Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), metrics);

    static PendingBatch batch(String... lines) {
        PendingBatch b = new PendingBatch();
        for (int i = 0; i < lines.length; i++) {
            ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("t", 0, i, ("k" + i).getBytes(), lines[i].getBytes());
            b.add(lines[i].startsWith("undecodable") ? Entry.deadLetter(r, "parse", "invalid JSON") : Entry.point(r, lines[i]), 0);
        }
        return b;
    }

    @Test
    void shouldNarrowARejectedBatchDownToTheOffendingPoints() throws Exception {
        writer.flush(batch("m a=1", "m a=2", "m bad=3", "m a=4", "m a=5", "m a=6", "m bad=7", "m a=8"));
        assertThat(influx.stored).containsExactlyInAnyOrder("m a=1", "m a=2", "m a=4", "m a=5", "m a=6", "m a=8");
        assertThat(producer.history()).hasSize(2);
        List<DeadLetter> dls = new ArrayList<>();
        for (var r : producer.history()) {
            dls.add(codec.decode("dl", r.value()));
        }
        assertThat(dls).extracting(DeadLetter::getSourceOffset).containsExactlyInAnyOrder(2L, 6L);
        assertThat(dls).allSatisfy(d -> assertThat(d.getReason()).contains("field type conflict"));
        assertThat(metrics.snapshot().pointsWritten()).isEqualTo(6);
        assertThat(metrics.snapshot().deadLettered()).isEqualTo(2);
    }

    @Test
    void shouldDeadLetterUndecodableRecordsWithTheirOriginalBytes() throws Exception {
        writer.flush(batch("m a=1", "undecodable{"));
        assertThat(influx.stored).containsExactly("m a=1");
        DeadLetter dl = codec.decode("dl", producer.history().get(0).value());
        assertThat(dl.getReasonCode()).isEqualTo("parse");
        assertThat(new String(dl.getPayload().array())).isEqualTo("undecodable{");
        assertThat(producer.history().get(0).key()).isEqualTo("k1".getBytes());
    }

    @Test
    void shouldAbortTheWholeFlushWhenInfluxDoesNotAnswer() {
        influx.down = true;
        assertThatThrownBy(() -> writer.flush(batch("m a=1", "undecodable{")))
            .isInstanceOf(WriteFailure.class).matches(f -> !((WriteFailure) f).rejected());
        assertThat(producer.history()).as("no dead letter before the batch is through").isEmpty();
        assertThat(metrics.snapshot().pointsWritten()).isZero();
    }
}
