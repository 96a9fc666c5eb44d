package dev.perfstream.sink.influx;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.sink.influx.PendingBatch.Entry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts one batch where it belongs: points into InfluxDB, and records that cannot be decoded,
 * mapped or stored into the dead-letter topic. {@link #flush} either succeeds for the whole batch
 * (then the caller commits) or throws and may be called again with the same batch: points are
 * idempotent, so a retry only overwrites what an earlier try wrote.
 */
final class BatchWriter {
    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
    static final String STAGE = "sink";

    private final InfluxWriter influx;
    private final Producer<byte[], byte[]> producer;
    private final RecordCodec<DeadLetter> deadLetterCodec;
    private final String deadLetterTopic;
    private final Clock clock;
    private final SinkMetrics metrics;
    private boolean prepared;

    BatchWriter(InfluxWriter influx, Producer<byte[], byte[]> producer, RecordCodec<DeadLetter> deadLetterCodec,
                String deadLetterTopic, Clock clock, SinkMetrics metrics) {
        this.influx = influx;
        this.producer = producer;
        this.deadLetterCodec = deadLetterCodec;
        this.deadLetterTopic = deadLetterTopic;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** @throws WriteFailure nothing may be committed; call again later with the same batch */
    void flush(PendingBatch batch) throws WriteFailure {
        if (!prepared) {
            influx.prepare();
            prepared = true;
        }
        List<Entry> points = new ArrayList<>();
        List<Entry> rejected = new ArrayList<>();
        for (Entry e : batch.entries()) {
            (e.isPoint() ? points : rejected).add(e);
        }
        if (!points.isEmpty()) {
            writeIsolating(points, rejected);
        }
        publish(rejected);
    }

    /**
     * Writes the points; when InfluxDB rejects the data (HTTP 400: a line it cannot parse or a field
     * type conflict), halves the batch until the offending points are alone and dead-letters them
     * with InfluxDB's own message. A transient failure aborts the whole flush.
     */
    private void writeIsolating(List<Entry> points, List<Entry> rejected) throws WriteFailure {
        try {
            long t0 = System.nanoTime();
            writeOnce(points);
            metrics.written(points.size(), System.nanoTime() - t0);
        } catch (WriteFailure f) {
            if (!f.rejected()) {
                throw f;
            }
            if (points.size() == 1) {
                Entry e = points.get(0);
                rejected.add(Entry.deadLetter(e.record(), "influx-rejected",
                    "InfluxDB rejected the point (" + e.line() + "): " + f.getMessage()));
                return;
            }
            int mid = points.size() / 2;
            writeIsolating(points.subList(0, mid), rejected);
            writeIsolating(points.subList(mid, points.size()), rejected);
        }
    }

    private void writeOnce(List<Entry> points) throws WriteFailure {
        List<String> lines = new ArrayList<>(points.size());
        for (Entry e : points) {
            lines.add(e.line());
        }
        try {
            influx.write(lines);
        } catch (WriteFailure f) {
            if (!f.databaseMissing()) {
                throw f;
            }
            // Someone dropped the database under us: create it again and retry once.
            LOG.warn("{}; creating it again", f.getMessage());
            influx.prepare();
            influx.write(lines);
        }
    }

    private void publish(List<Entry> rejected) throws WriteFailure {
        if (rejected.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try {
            for (Entry e : rejected) {
                ConsumerRecord<byte[], byte[]> r = e.record();
                LOG.warn("dead-lettering {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.reason());
                DeadLetter dl = DeadLetters.of(e.code(), e.reason(), STAGE, r.topic(), r.partition(), r.offset(),
                    r.timestamp(), r.key(), r.value(), clock.instant());
                sent.add(producer.send(new ProducerRecord<>(deadLetterTopic, r.key(), deadLetterCodec.encode(deadLetterTopic, dl))));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new WriteFailure(-1, "dead-letter topic " + deadLetterTopic + " did not take " + rejected.size()
                + " record(s): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailure(-1, "interrupted while dead-lettering", e);
        }
        metrics.deadLettered.addAndGet(rejected.size());
    }

    String describe() {
        return influx.describe();
    }
}
