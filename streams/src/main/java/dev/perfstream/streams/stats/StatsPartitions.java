package dev.perfstream.streams.stats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stats stage's topics before it starts: the input topics must exist; the partials topic is
 * created with as many partitions as the larger input topic, so that a producer keying by service
 * or app puts each event on its owner's partition. Also purges what the stage has consumed from
 * the partials topic, as Kafka Streams does with its own repartition topics.
 *
 * <p>Not a Kafka Streams internal topic: the processor API has no public way to declare one. It is
 * created with no time retention ({@code retention.ms=-1}), so that a stage stopped for longer than
 * any retention loses no partial, and {@link #purge} deletes records below the committed offsets.
 */
public final class StatsPartitions {
    private static final Logger LOG = LoggerFactory.getLogger(StatsPartitions.class);
    private static final long METADATA_WAIT_MS = 5_000;

    private StatsPartitions() {
    }

    /**
     * @return the ownership of the running stage: tasks = the largest partition count of the input
     *         and partials topics, owners = the partials topic's partitions
     * @throws IllegalStateException naming the topic when an input topic does not exist or Kafka does not answer
     */
    public static SeriesOwnership prepare(Admin admin, StatsConfig c) {
        int metrics = partitions(admin, c.metricsTopic());
        int rum = partitions(admin, c.rumTopic());
        if (metrics < 0 || rum < 0) {
            throw new IllegalStateException("input topic " + (metrics < 0 ? c.metricsTopic() : c.rumTopic())
                + " does not exist on " + c.bootstrapServers() + ": create it (perfstream services start creates the"
                + " default topics) or set topic.metrics / topic.rum");
        }
        int inputs = Math.max(metrics, rum);
        int partials = exists(admin, c.partialsTopic()) ? partitions(admin, c.partialsTopic()) : -1;
        if (partials < 0) {
            try {
                admin.createTopics(List.of(new NewTopic(c.partialsTopic(), Optional.of(inputs), Optional.empty())
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.CLEANUP_POLICY_CONFIG, "delete"))))
                    .all().get(30, TimeUnit.SECONDS);
                LOG.info("created {} with {} partitions", c.partialsTopic(), inputs);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create " + c.partialsTopic() + ": " + e.getCause().getMessage(), e);
                }
            } catch (InterruptedException | TimeoutException e) {
                throw new IllegalStateException("cannot create " + c.partialsTopic() + ": " + e, e);
            }
            partials = partitions(admin, c.partialsTopic());
        }
        if (partials != inputs) {
            LOG.warn("{} has {} partitions and the input topics {} ({} and {}): results stay exact, but events keyed by"
                + " service or app are forwarded between tasks instead of staying on their owner's partition", c.partialsTopic(),
                partials, inputs, metrics, rum);
        }
        return new SeriesOwnership(Math.max(inputs, partials), partials);
    }

    /**
     * The statement and cache output topics: created like the stats topic when missing (same partitions).
     * When one is missing and cannot be created (no CREATE permission, say), the aggregations are off
     * with a WARN naming the topic, rather than a stream thread failing on its first record.
     */
    public static QueryCacheConfig outputs(Admin admin, StatsConfig c, QueryCacheConfig qc) {
        if (!qc.enabled()) {
            return qc;
        }
        for (String topic : List.of(qc.queriesTopic(), qc.cacheTopic())) {
            if (exists(admin, topic)) {
                continue;
            }
            int n = Math.max(1, partitions(admin, c.statsTopic()));
            try {
                admin.createTopics(List.of(new NewTopic(topic, Optional.of(n), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
                LOG.info("created {} with {} partitions", topic, n);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    LOG.warn("{} does not exist and cannot be created ({}): top statements and cache hit ratios are off;"
                        + " create {} and {} (or set stats.queries.enabled=false to silence this)", topic,
                        e.getCause().getMessage(), qc.queriesTopic(), qc.cacheTopic());
                    return qc.disabled();
                }
            } catch (InterruptedException | TimeoutException e) {
                throw new IllegalStateException("cannot create " + topic + ": " + e, e);
            }
        }
        return qc;
    }

    /**
     * The impact output topic: created like the stats topic when missing. When it is missing and cannot be created,
     * the impact windows are off with a WARN naming the topic.
     */
    public static dev.perfstream.streams.impact.ImpactConfig impactOutput(Admin admin, StatsConfig c,
                                                                      dev.perfstream.streams.impact.ImpactConfig ic) {
        return !ic.enabled() || createdIfMissing(admin, c, ic.topic(), "speed vs conversion is off", "stats.impact.enabled")
            ? ic : ic.disabled();
    }

    /**
     * The RUM element output topic: created like the stats topic when missing. When it is missing and cannot be
     * created, the element rows are off with a WARN naming the topic.
     */
    public static RumElementsConfig rumElementsOutput(Admin admin, StatsConfig c, RumElementsConfig rc) {
        return !rc.enabled() || createdIfMissing(admin, c, rc.topic(), "RUM stats by element are off",
            "stats.rum.elements.enabled") ? rc : rc.disabled();
    }

    /** Creates an optional output topic with the stats topic's partitions when missing; false (and a WARN) if it cannot. */
    private static boolean createdIfMissing(Admin admin, StatsConfig c, String topic, String off, String key) {
        if (exists(admin, topic)) {
            return true;
        }
        int n = Math.max(1, partitions(admin, c.statsTopic()));
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(n), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
            LOG.info("created {} with {} partitions", topic, n);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warn("{} does not exist and cannot be created ({}): {}; create it (or set {}=false to silence this)",
                    topic, e.getCause().getMessage(), off, key);
                return false;
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("cannot create " + topic + ": " + e, e);
        }
        return true;
    }

    private static boolean exists(Admin admin, String topic) {
        try {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic);
        } catch (ExecutionException | InterruptedException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer listing topics: " + e, e);
        }
    }

    /** Deletes the partials records below the stage's committed offsets (they have been merged). */
    static void purge(Admin admin, StatsConfig c) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(c.applicationId())
            .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        committed.forEach((tp, o) -> {
            if (o != null && tp.topic().equals(c.partialsTopic()) && o.offset() > 0) {
                delete.put(tp, RecordsToDelete.beforeOffset(o.offset()));
            }
        });
        if (!delete.isEmpty()) {
            admin.deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * @return the topic's partition count, or -1 if it does not exist after {@link #METADATA_WAIT_MS} (a topic
     *         created a moment ago may not be in every broker's metadata yet)
     */
    static int partitions(Admin admin, String topic) {
        long deadline = System.currentTimeMillis() + METADATA_WAIT_MS;
        try {
            while (true) {
                try {
                    return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                        .partitions().size();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                    if (System.currentTimeMillis() >= deadline) {
                        return -1;
                    }
                    Thread.sleep(200);
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer describing topic " + topic + ": " + e, e);
        }
    }
}
