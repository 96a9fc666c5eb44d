package dev.perfstream.sink.influx;

import dev.perfstream.schemas.retry.Backoff;
import dev.perfstream.schemas.registry.RegistryUnavailableException;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.sink.influx.PendingBatch.Entry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's one thread: poll, decode and map, batch, write, then commit. Offsets are committed
 * only after the whole batch is in InfluxDB or in the dead-letter topic. When a write fails the
 * loop holds the batch, pauses every assigned partition (it keeps polling, so it stays in the
 * group), and retries with exponential backoff until InfluxDB answers; then it commits and resumes.
 * Nothing is dropped: what was not committed is read again by whoever owns the partition next.
 * A schema registry that does not answer is handled the same way: partitions paused, the waiting
 * record read again after a backoff ({@link #holdForRegistry}), never dead-lettered.
 */
final class SinkLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkLoop.class);

    private final SinkConfig c;
    private final Consumer<byte[], byte[]> consumer;
    private final ResultDecoder decoder;
    private final BatchWriter writer;
    private final Clock clock;
    private final SinkMetrics metrics;
    private final Backoff backoff;
    private final PendingBatch batch = new PendingBatch();
    private volatile boolean running = true;
    /** Set while a batch waits for InfluxDB: partitions are paused and the next try is at {@link #retryAtMs}. */
    private boolean holding;
    private long retryAtMs;
    /** The pending batch is in InfluxDB (and the dead-letter topic); only its commit is missing. */
    private boolean batchWritten;
    private long holdingSinceMs;
    private long lastProgressMs;
    private long pointsAtLastProgress;
    /** Set while the schema registry does not answer: partitions paused until {@link #registryRetryAtMs}. */
    private boolean registryHold;
    private long registryRetryAtMs;
    private long registryDownSinceMs = -1;
    private final Backoff registryBackoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

    SinkLoop(SinkConfig c, Consumer<byte[], byte[]> consumer, ResultDecoder decoder, BatchWriter writer, Clock clock,
             SinkMetrics metrics) {
        this.c = c;
        this.consumer = consumer;
        this.decoder = decoder;
        this.writer = writer;
        this.clock = clock;
        this.metrics = metrics;
        this.backoff = new Backoff(c.backoffMin(), c.backoffMax());
    }

    @Override
    public void run() {
        lastProgressMs = clock.millis();
        try {
            consumer.subscribe(c.topics(), new Rebalance());
            LOG.info("sink reading {} into {}", c.topics(), writer.describe());
            while (running) {
                step();
                progress();
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } finally {
            lastFlush();
            consumer.close(Duration.ofSeconds(10));
            LOG.info("sink stopped: {}", metrics.snapshot());
        }
    }

    /** Stops the loop from another thread; {@link #run()} returns after a last flush attempt. */
    void stop() {
        running = false;
        consumer.wakeup();
    }

    private void step() {
        long now = clock.millis();
        if (registryHold && now >= registryRetryAtMs) {
            registryHold = false;
            if (!holding) {
                consumer.resume(consumer.paused());
            }
        }
        if (holding) {
            if (now < retryAtMs) {
                // Paused: this poll returns nothing but keeps the group membership alive.
                take(consumer.poll(Duration.ofMillis(Math.min(retryAtMs - now, 1_000))));
                return;
            }
            tryFlush();
            return;
        }
        long wait = batch.isEmpty() ? 500 : Math.max(1, c.linger().toMillis() - batch.ageMs(now));
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(Math.min(wait, 500)));
        if (registryHold) {
            rewind(polled); // paused, but a fetch already under way may still deliver: read those again later
        } else {
            take(polled);
        }
        if (batch.size() >= c.batchSize() || (!batch.isEmpty() && batch.ageMs(clock.millis()) >= c.linger().toMillis())) {
            tryFlush();
        }
    }

    private void take(ConsumerRecords<byte[], byte[]> records) {
        long now = clock.millis();
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (!rewind.isEmpty()) {
                rewind.putIfAbsent(tp, r.offset()); // not read yet: read again after the registry hold
                continue;
            }
            Entry e;
            try {
                e = toEntry(r);
            } catch (RegistryUnavailableException ex) {
                rewind.put(tp, r.offset());
                holdForRegistry(now, ex);
                continue;
            }
            if (registryDownSinceMs >= 0 && !registryHold) {
                LOG.info("sink: schema registry answers again after {} s", (now - registryDownSinceMs) / 1000);
                registryDownSinceMs = -1;
                registryBackoff.reset();
            }
            metrics.recordsRead.incrementAndGet();
            batch.add(e, now);
        }
        rewind.forEach(consumer::seek);
    }

    /** Seeks each partition back to its first record in {@code records}, so they are read again. */
    private void rewind(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
        first.forEach(consumer::seek);
    }

    /**
     * The registry did not answer for a record's schema id (within schema.registry.retry.timeout): an
     * outage, not bad data, so the record is neither dead-lettered nor skipped. Pause every partition
     * (polling goes on, so the group membership stays), read again from the record after a capped
     * exponential backoff; what is already in the batch is written and committed as usual.
     */
    private void holdForRegistry(long now, RegistryUnavailableException ex) {
        if (registryDownSinceMs < 0) {
            registryDownSinceMs = now;
        }
        long pause = registryBackoff.next();
        registryHold = true;
        registryRetryAtMs = clock.millis() + pause; // after the lookup, which took up to schema.registry.retry.timeout
        consumer.pause(consumer.assignment());
        LOG.warn("sink: schema registry unreachable for {} s; reading again from the waiting record in {} ms"
            + " (nothing dropped): {}", (now - registryDownSinceMs) / 1000, pause, ex.getMessage());
    }

    private Entry toEntry(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Entry.point(r, decoder.toLine(r.topic(), r.value()));
        } catch (DecodeException e) {
            return Entry.deadLetter(r, e.code(), e.getMessage());
        } catch (MappingException e) {
            return Entry.deadLetter(r, "mapping", e.getMessage());
        } catch (RegistryUnavailableException e) {
            throw e; // an outage, not a bad record: see holdForRegistry
        } catch (RuntimeException e) {
            // A bug in a mapping must not block the partition: keep the record, with the reason.
            return Entry.deadLetter(r, "mapping", "cannot map the record to a point: " + e);
        }
    }

    /** @return true when the batch was written and committed (or was empty) */
    private boolean tryFlush() {
        if (batch.isEmpty()) {
            release();
            return true;
        }
        try {
            writer.flush(batch);
            batchWritten = true;
        } catch (WriteFailure f) {
            hold(f);
            return false;
        }
        commit();
        release();
        return true;
    }

    private void commit() {
        try {
            consumer.commitSync(batch.offsets());
            metrics.batchesCommitted.incrementAndGet();
        } catch (WakeupException e) {
            // close() interrupted the commit: lastFlush() commits the written batch.
            throw e;
        } catch (KafkaException e) {
            // E.g. the group rebalanced meanwhile: the new owner reads the records again; points are idempotent.
            LOG.warn("commit of {} record(s) failed, they will be read again: {}", batch.size(), e.toString());
        }
        clearBatch();
    }

    private void clearBatch() {
        batch.clear();
        batchWritten = false;
    }

    private void hold(WriteFailure f) {
        metrics.failedAttempt(f.getMessage());
        long now = clock.millis();
        if (!holding) {
            holding = true;
            holdingSinceMs = now;
            consumer.pause(consumer.assignment());
        }
        long delay = backoff.next();
        retryAtMs = now + delay;
        LOG.warn("holding {} record(s), nothing committed; retry in {} ms (waiting for {} s): {}",
            batch.size(), delay, (now - holdingSinceMs) / 1000, f.getMessage());
    }

    private void release() {
        backoff.reset();
        metrics.released();
        if (holding) {
            holding = false;
            if (!registryHold) {
                consumer.resume(consumer.paused());
            }
            LOG.info("InfluxDB took the held batch after {} s; resuming", (clock.millis() - holdingSinceMs) / 1000);
        }
    }

    private void lastFlush() {
        if (batch.isEmpty()) {
            return;
        }
        int n = batch.size();
        try {
            if (!batchWritten) {
                writer.flush(batch);
            }
            consumer.commitSync(batch.offsets());
            metrics.batchesCommitted.incrementAndGet();
            clearBatch();
        } catch (WriteFailure | KafkaException e) {
            LOG.warn("stopping with {} record(s) not committed; they are read again on the next start: {}", n, e.toString());
        }
    }

    private void progress() {
        long now = clock.millis();
        long elapsed = now - lastProgressMs;
        if (elapsed < c.progressInterval().toMillis()) {
            return;
        }
        SinkMetrics.Snapshot s = metrics.snapshot();
        long points = s.pointsWritten() - pointsAtLastProgress;
        LOG.info("sink: {} points in {} s ({} points/s); total read {}, written {}, dead-lettered {}, failed tries {}{}",
            points, elapsed / 1000, Math.round(points * 1000.0 / Math.max(1, elapsed)), s.recordsRead(),
            s.pointsWritten(), s.deadLettered(), s.failedAttempts(), holding ? ", HOLDING (InfluxDB not answering)" : "");
        lastProgressMs = now;
        pointsAtLastProgress = s.pointsWritten();
    }

    /** Flushes before partitions leave; forgets uncommitted records of partitions already gone. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (batch.isEmpty() || holding) {
                dropIfAny(partitions);
                return;
            }
            try {
                if (!batchWritten) {
                    writer.flush(batch);
                }
                consumer.commitSync(batch.offsets());
                metrics.batchesCommitted.incrementAndGet();
                clearBatch();
            } catch (WriteFailure | KafkaException e) {
                LOG.warn("could not flush before a rebalance: {}", e.toString());
                dropIfAny(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            dropIfAny(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (holding && !partitions.isEmpty()) {
                consumer.pause(partitions);
            }
        }

        private void dropIfAny(Collection<TopicPartition> partitions) {
            int n = batch.drop(partitions);
            if (batch.isEmpty()) {
                batchWritten = false;
            }
            if (n > 0) {
                LOG.info("{} uncommitted record(s) of revoked partitions {} are left to their next owner", n, List.copyOf(partitions));
            }
        }
    }
}
