package dev.perfstream.streams.stats.state;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/** The key-value store a {@link SeriesWindowStore} wraps, in memory, without changelog or cache, for the store tests. */
final class InnerStore {
    private InnerStore() {
    }

    static KeyValueStore<Bytes, byte[]> inMemory() {
        KeyValueStore<Bytes, byte[]> kv = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("windows"),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        kv.init(new MockProcessorContext<>().getStateStoreContext(), kv);
        return kv;
    }
}
