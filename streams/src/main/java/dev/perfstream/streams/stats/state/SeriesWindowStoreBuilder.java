package dev.perfstream.streams.stats.state;

import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds a {@link SeriesWindowStore} per task around a changelogged key-value store (RocksDB or
 * in-memory). Kafka Streams' record cache is disabled on the inner store: this store is the cache.
 */
public final class SeriesWindowStoreBuilder implements StoreBuilder<SeriesWindowStore> {
    private final StoreBuilder<KeyValueStore<Bytes, byte[]>> inner;
    private final long[] sizes;
    private final int baseCount;
    private final long grace;
    private final double relativeAccuracy;
    private final int maxBins;

    /**
     * @param sizes     window sizes ms, ascending, nested; the rollup last when {@code baseCount < sizes.length}
     * @param baseCount sizes fed directly by events
     */
    public SeriesWindowStoreBuilder(String name, boolean persistent, long[] sizes, int baseCount, long graceMs,
                                    double relativeAccuracy, int maxBins) {
        KeyValueBytesStoreSupplier supplier = persistent
            ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
        this.inner = Stores.keyValueStoreBuilder(supplier, Serdes.Bytes(), Serdes.ByteArray())
            .withCachingDisabled()
            .withLoggingEnabled(Map.of());
        this.sizes = sizes.clone();
        this.baseCount = baseCount;
        this.grace = graceMs;
        this.relativeAccuracy = relativeAccuracy;
        this.maxBins = maxBins;
    }

    @Override
    public StoreBuilder<SeriesWindowStore> withCachingEnabled() {
        throw new UnsupportedOperationException("SeriesWindowStore is its own cache");
    }

    @Override
    public StoreBuilder<SeriesWindowStore> withCachingDisabled() {
        return this;
    }

    @Override
    public StoreBuilder<SeriesWindowStore> withLoggingEnabled(Map<String, String> config) {
        inner.withLoggingEnabled(config);
        return this;
    }

    @Override
    public StoreBuilder<SeriesWindowStore> withLoggingDisabled() {
        inner.withLoggingDisabled();
        return this;
    }

    @Override
    public SeriesWindowStore build() {
        return new SeriesWindowStore(inner.build(), sizes, baseCount, grace, new Sketches(relativeAccuracy, maxBins));
    }

    @Override
    public Map<String, String> logConfig() {
        return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
        return inner.loggingEnabled();
    }

    @Override
    public String name() {
        return inner.name();
    }
}
