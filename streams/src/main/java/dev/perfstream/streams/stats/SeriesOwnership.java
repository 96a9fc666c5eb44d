package dev.perfstream.streams.stats;

import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.impact.ImpactEvent;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Which task of the stats stage owns a series, whatever partition its events arrive on.
 *
 * <p>The owner is the task whose index is the partition that Kafka's default partitioner picks for
 * the series' <em>owner key</em> (the service of a metric series, the app of a RUM series) on the
 * partials topic: murmur2 of the UTF-8 bytes, modulo {@code owners}. A producer that keys
 * {@code perf.metrics} by service with a string key (and {@code perf.rum} by app) therefore puts
 * every event on its owner's partition when the input topic has as many partitions as the partials
 * topic, and the stage forwards nothing. Any other key (series, instance, random, none) works too:
 * a task aggregates what it receives and forwards one partial per series and window to the owner.
 * The owner key is the service rather than the whole series id so that the cardinality guard (routes
 * per service) is decided in one place.
 *
 * @param tasks  tasks of the stage (the largest partition count of its input and partials topics):
 *               an owner waits for a watermark from each before it closes a window
 * @param owners partitions of the partials topic: the tasks that own series
 */
public record SeriesOwnership(int tasks, int owners) {
    /** One task that owns everything and waits for nobody (a one-partition stage, and the unit tests). */
    public static final SeriesOwnership SINGLE = new SeriesOwnership(1, 1);

    public SeriesOwnership {
        if (owners < 1 || tasks < owners) {
            throw new IllegalArgumentException("need 1 <= owners <= tasks, got owners " + owners + ", tasks " + tasks);
        }
    }

    /** The owning task (partials partition) of an owner key: service or app. */
    public int ownerOf(String ownerKey) {
        return Utils.toPositive(Utils.murmur2(ownerKey.getBytes(StandardCharsets.UTF_8))) % owners;
    }

    int ownerOfSeries(String seriesId) {
        return ownerOf(SeriesKey.parse(seriesId).owner());
    }

    /** Per-task memo of which owner keys this task owns (a hash per new key, a map lookup per event). */
    static final class Owned {
        private final SeriesOwnership ownership;
        private final int self;
        private final Map<String, Boolean> memo = new HashMap<>();

        Owned(SeriesOwnership ownership, int self) {
            this.ownership = ownership;
            this.self = self;
        }

        boolean key(String ownerKey) {
            if (ownership.owners == 1) {
                return self == 0;
            }
            Boolean b = memo.get(ownerKey);
            if (b == null) {
                if (memo.size() > 100_000) {
                    memo.clear();
                }
                b = ownership.ownerOf(ownerKey) == self;
                memo.put(ownerKey, b);
            }
            return b;
        }

        boolean series(String seriesId) {
            return key(SeriesKey.parse(seriesId).owner());
        }
    }

    /**
     * Partitioner of the partials topic: a partial (keyed by series id) and an impact event (keyed by app) go to
     * their owner; a watermark (null key) goes to every partition.
     */
    StreamPartitioner<String, byte[]> partitioner() {
        Map<Integer, Optional<Set<Integer>>> all = new HashMap<>();
        return (topic, key, value, numPartitions) -> {
            if (key == null) {
                return all.computeIfAbsent(numPartitions,
                    n -> Optional.of(IntStream.range(0, n).boxed().collect(Collectors.toUnmodifiableSet())));
            }
            int owner = ImpactEvent.isKey(key) ? ownerOf(ImpactEvent.appOfKey(key)) : ownerOfSeries(key);
            return Optional.of(Set.of(owner % numPartitions));
        };
    }
}
