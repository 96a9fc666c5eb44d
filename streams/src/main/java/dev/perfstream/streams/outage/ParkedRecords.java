package dev.perfstream.streams.outage;

import dev.perfstream.schemas.retry.Backoff;
import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.registry.RegistryUnavailableException;
import dev.perfstream.schemas.registry.SchemaRegistryClient;
import dev.perfstream.schemas.registry.UnknownSchemaException;
import dev.perfstream.schemas.serde.ConfluentAvroCodec;
import dev.perfstream.schemas.serde.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a stream task going while the schema registry is unreachable, for as long as it stays so.
 *
 * <p>The problem: a record with a schema id the stage has not seen needs the registry. Retrying
 * inside {@code process()} for minutes would outlive the exactly-once transaction
 * ({@code transaction.timeout.ms}, 10 s in Streams) and {@code max.poll.interval.ms}; failing the
 * thread makes Streams stop (or replay through a rebalance, again and again). Here, a lookup
 * retries in the thread only for {@code schema.registry.retry.timeout} (5 s for the stages); if
 * the registry is still down, the record is <em>parked</em> in a changelogged key-value store, in
 * arrival order, and so is every later record of the task (processing them first would reorder
 * the task's input: event-time windows would close before the parked events are counted). The
 * stream thread keeps polling and committing; parking is part of the same transaction as the
 * input offsets, so a crash while records are parked loses nothing (the store is restored from
 * its changelog and replayed) and counts nothing twice.
 *
 * <p>A wall-clock punctuator replays the parked records in order with capped exponential backoff
 * between attempt batches ({@code schema.registry.outage.backoff} doubling up to
 * {@code schema.registry.outage.backoff.max}), logging one WARN per failed batch with the registry
 * URL, how long it has been down and how many records wait. Once a lookup succeeds, the records
 * are processed exactly as they would have been, and new records flow directly again.
 *
 * <p>Contract for the handler: it throws {@link RegistryUnavailableException} only before it
 * changed any state or forwarded anything for the record (the lookup is the first thing it does),
 * so a failed attempt can be repeated as if it never happened. Output schemas must therefore be
 * registered before the stage starts (encoding a result must never need the registry).
 */
public final class ParkedRecords {
    private static final Logger LOG = LoggerFactory.getLogger(ParkedRecords.class);
    /** How often the punctuator looks at the store; attempts themselves follow the backoff. */
    static final Duration TICK = Duration.ofMillis(500);
    /** Longest a replay keeps the stream thread per tick (within the transaction and poll limits). */
    static final long DRAIN_BUDGET_NANOS = Duration.ofSeconds(2).toNanos();
    private static final int BATCH = 500;

    /** Processes one record (live or parked); throws {@link RegistryUnavailableException} before any side effect. */
    @FunctionalInterface
    public interface Handler {
        void handle(ParkedRecord r);
    }

    /** Whether the registry answers for the record at the head of the queue; one quick request, no retries. */
    @FunctionalInterface
    public interface Probe {
        boolean registryAnswers(ParkedRecord head);
    }

    /**
     * @param firstPause pause after the first failed attempt batch ({@code schema.registry.outage.backoff}, 1 s)
     * @param maxPause   longest pause between batches ({@code schema.registry.outage.backoff.max}, 1 min)
     * @param registry   the registry URL(s), for log lines
     * @param probe      asks the registry once before a replay, so a down registry costs a refused connection,
     *                   not the stage's whole in-thread retry budget per attempt
     */
    public record Config(Duration firstPause, Duration maxPause, String registry, Probe probe) {
        public static final ConfigKey<Duration> OUTAGE_BACKOFF =
            ConfigKey.duration("schema.registry.outage.backoff", Duration.ofSeconds(1))
                .check(d -> !d.isZero() && !d.isNegative(), "must be positive")
                .doc("Stream stages: first pause between attempts while records wait for an unreachable registry (doubling)");
        public static final ConfigKey<Duration> OUTAGE_BACKOFF_MAX =
            ConfigKey.duration("schema.registry.outage.backoff.max", Duration.ofMinutes(1))
                .doc("Stream stages: longest pause between attempts while records are parked");

        public static Config from(Settings s) {
            Settings own = Settings.of(s.asMap()); // report only our problems
            Duration first = own.get(OUTAGE_BACKOFF);
            Duration max = own.get(OUTAGE_BACKOFF_MAX);
            if (max.compareTo(first) < 0) {
                own.problem("schema.registry.outage.backoff.max: " + max + " is shorter than schema.registry.outage.backoff");
            }
            own.throwIfInvalid("schema registry outage");
            return new Config(first, max, String.join(",", own.get(RegistryConfig.URLS)).replaceFirst("^$", "(none)"), probe(own));
        }

        /** Probes with the writer schema id of the head record through a client that tries exactly once. */
        static Probe probe(Settings s) {
            if (!RegistryConfig.configured(s)) {
                return head -> true;
            }
            SchemaRegistryClient once = SchemaRegistryClient.shared(RegistryConfig.from(s).withRetryTimeout(Duration.ofMillis(1)));
            return head -> {
                byte[] v = head.value();
                if (v == null || v.length <= WireFormat.CONFLUENT_HEADER_BYTES || v[0] != ConfluentAvroCodec.MAGIC) {
                    return true; // not Avro: nothing to ask the registry
                }
                int id = ((v[1] & 0xff) << 24) | ((v[2] & 0xff) << 16) | ((v[3] & 0xff) << 8) | (v[4] & 0xff);
                try {
                    once.schemaById(id);
                    return true;
                } catch (UnknownSchemaException e) {
                    return true; // it answered (404): the stage dead-letters the record
                } catch (RegistryUnavailableException e) {
                    return false;
                } catch (RuntimeException e) {
                    return true; // it answered with something else; the stage's own lookup reports it
                }
            };
        }
    }

    /**
     * The settings a stream stage gives its codecs: a registry lookup retries in the stream thread
     * for at most 5 s unless {@code schema.registry.retry.timeout} says otherwise (the exactly-once
     * transaction times out after 10 s); after that, records are parked, not failed.
     */
    public static Settings forStreamThread(Settings s) {
        if (s.isSet(RegistryConfig.RETRY_TIMEOUT)) {
            return s;
        }
        Map<String, String> m = new LinkedHashMap<>(s.asMap());
        m.put(RegistryConfig.RETRY_TIMEOUT.name(), "5s");
        return Settings.of(m);
    }

    /** The changelogged store of parked records (key: arrival sequence number, big-endian so RocksDB keeps the order). */
    public static StoreBuilder<KeyValueStore<Long, byte[]>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Long(), Serdes.ByteArray());
    }

    private final Config config;
    private final String stage;
    private final Handler handler;
    private final AtomicLong parkedGauge;
    private KeyValueStore<Long, byte[]> store;
    private ProcessorContext<?, ?> context;
    private long nextSeq;
    private long parked;
    private long downSinceMs = -1;
    private long nextAttemptMs;
    private final Backoff backoff;
    private long failedBatches;

    /**
     * @param parkedGauge the stage-wide number of parked records (all tasks), for {@code XxxApp.parkedRecords()}
     */
    public ParkedRecords(Config config, String stage, Handler handler, AtomicLong parkedGauge) {
        this.config = config;
        this.backoff = new Backoff(config.firstPause(), config.maxPause());
        this.stage = stage;
        this.handler = handler;
        this.parkedGauge = parkedGauge;
    }

    /** Call from the processor's {@code init}: opens the store (records parked before a restart are replayed too). */
    public void init(ProcessorContext<?, ?> context, String storeName) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        long count = 0;
        long last = -1;
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            while (it.hasNext()) {
                last = it.next().key;
                count++;
            }
        }
        nextSeq = last + 1;
        parked = count;
        parkedGauge.addAndGet(count);
        if (count > 0) {
            LOG.warn("{} task {}: {} records parked before a restart wait for the schema registry {}; replaying them first",
                stage, context.taskId(), count, config.registry());
            downSinceMs = context.currentSystemTimeMs();
        }
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    /** Call from {@code close}: the gauge counts only open tasks. */
    public void close() {
        parkedGauge.addAndGet(-parked);
        parked = 0;
    }

    /** The record being processed, with its metadata. */
    public static ParkedRecord of(Record<byte[], byte[]> r, Optional<RecordMetadata> meta) {
        return new ParkedRecord(meta.map(RecordMetadata::topic).orElse(null), meta.map(RecordMetadata::partition).orElse(-1),
            meta.map(RecordMetadata::offset).orElse(-1L), r.timestamp(), r.key(), r.value());
    }

    /** Processes {@code r} now, or parks it behind the records already waiting. */
    public void offer(ParkedRecord r) {
        if (parked > 0) {
            park(r);
            return;
        }
        long started = System.nanoTime();
        try {
            handler.handle(r);
        } catch (RegistryUnavailableException e) {
            park(r);
            // Streams' wall-clock time (mockable in tests) is cached per loop: add the time the lookup took.
            long now = context.currentSystemTimeMs() + (System.nanoTime() - started) / 1_000_000;
            downSinceMs = context.currentSystemTimeMs();
            backoff.reset();
            long pauseMs = config.firstPause().toMillis();
            nextAttemptMs = now + pauseMs;
            LOG.warn("{} task {}: schema registry {} unreachable ({}); parking this and later records of the task"
                    + " (nothing is dropped), next attempt in {} ms", stage, context.taskId(), config.registry(),
                e.getMessage(), pauseMs);
        }
    }

    /** Records of this task waiting for the registry. */
    public long parked() {
        return parked;
    }

    private void park(ParkedRecord r) {
        store.put(nextSeq++, r.toBytes());
        parked++;
        parkedGauge.incrementAndGet();
    }

    private void tick(long now) {
        if (parked == 0 || now < nextAttemptMs) {
            return;
        }
        ParkedRecord head;
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            head = ParkedRecord.fromBytes(it.next().value);
        }
        long start = System.nanoTime();
        if (!config.probe().registryAnswers(head)) {
            backOff(now, start, null, 0);
            return;
        }
        long replayed = 0;
        while (parked > 0 && System.nanoTime() - start < DRAIN_BUDGET_NANOS) {
            List<KeyValue<Long, byte[]>> batch = new ArrayList<>(BATCH);
            try (KeyValueIterator<Long, byte[]> it = store.all()) {
                while (it.hasNext() && batch.size() < BATCH) {
                    batch.add(it.next());
                }
            }
            for (KeyValue<Long, byte[]> kv : batch) {
                try {
                    handler.handle(ParkedRecord.fromBytes(kv.value));
                } catch (RegistryUnavailableException e) {
                    backOff(now, start, e, replayed);
                    return;
                }
                store.delete(kv.key);
                parked--;
                parkedGauge.decrementAndGet();
                replayed++;
                if (System.nanoTime() - start >= DRAIN_BUDGET_NANOS) {
                    break;
                }
            }
        }
        if (parked == 0) {
            LOG.info("{} task {}: schema registry {} answers again after {} s; {} parked records processed in order",
                stage, context.taskId(), config.registry(), (now - downSinceMs) / 1000, replayed);
            downSinceMs = -1;
            failedBatches = 0;
        }
    }

    /** @param now the punctuation's wall-clock time, @param started when the attempt began (nanoTime) */
    private void backOff(long now, long started, RegistryUnavailableException e, long replayed) {
        failedBatches++;
        long pause = backoff.next(); // first pause first, also after a restart with records parked
        // After the attempt: the punctuation's timestamp is from before it ran (a lookup may take seconds).
        nextAttemptMs = now + (System.nanoTime() - started) / 1_000_000 + pause;
        LOG.warn("{} task {}: schema registry {} unreachable for {} s (attempt batch {}); {} records parked, nothing"
                + " dropped{}; next attempt in {} s. Last error: {}", stage, context.taskId(), config.registry(),
            (now - downSinceMs) / 1000, failedBatches, parked, replayed > 0 ? ", " + replayed + " replayed" : "",
            pause / 1000.0, e == null ? "no answer to a lookup of the waiting record's schema id" : e.getMessage());
    }
}
