package dev.perfstream.schemas.kafka;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check every process makes of Kafka before it starts its clients: that the brokers accept its
 * credentials (TLS, SASL) and that its principal may do what the process will do (read its inputs, write
 * its outputs, use its consumer group and its transactional ids). Without it a wrong password, an
 * untrusted certificate or a missing ACL shows up as clients retrying in a loop, or a stream thread dying
 * minutes later; with it the process stops at once with one line naming the setting and the broker's
 * answer ({@link KafkaAccessException}).
 *
 * <p>How: one short-lived admin client (bounded by {@link #TIMEOUT}) describes the cluster (which
 * authenticates), describes the process's topics with their authorized operations (READ for inputs, WRITE
 * for outputs; {@code describeAcls} is for super users only, this works for any principal), and reads the
 * consumer group's offsets (DESCRIBE on the group); a Kafka Streams stage also initialises one transaction
 * under its transactional id prefix. A broker that does not answer in time is only warned about: the
 * clients keep retrying as before (the collector, for one, starts and answers 503 until Kafka is back).
 * A topic that does not exist is left to the process's own check.
 */
public final class KafkaPreflight {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPreflight.class);

    public static final ConfigKey<Duration> TIMEOUT = ConfigKey.duration("kafka.preflight.timeout", Duration.ofSeconds(10))
        .doc("At start every process checks within this time that Kafka accepts its credentials and that its principal "
            + "may read its inputs, write its outputs and use its group and transactional ids; a refusal stops it at once "
            + "with one line naming the setting and Kafka's answer. A broker that does not answer in time is only warned "
            + "about. 0 skips the check.");

    private KafkaPreflight() {
    }

    /** What a process needs of Kafka. Mutable builder; topics may repeat. */
    public static final class Access {
        private final String process;
        private final Set<String> reads = new LinkedHashSet<>();
        private final Set<String> writes = new LinkedHashSet<>();
        private String group;
        private String transactionalIdPrefix;

        private Access(String process) {
            this.process = process;
        }

        /** @param process as the messages name it: {@code stats stage}, {@code sink}, {@code load generator} */
        public static Access of(String process) {
            return new Access(process);
        }

        public Access reads(String... topics) {
            return reads(List.of(topics));
        }

        public Access reads(Collection<String> topics) {
            topics.stream().filter(t -> t != null && !t.isBlank()).forEach(reads::add);
            return this;
        }

        public Access writes(String... topics) {
            for (String t : topics) {
                if (t != null && !t.isBlank()) {
                    writes.add(t);
                }
            }
            return this;
        }

        /** The consumer group (a Kafka Streams stage: its application id). */
        public Access group(String id) {
            this.group = id;
            return this;
        }

        /** Exactly-once Kafka Streams: transactional ids start with the application id. */
        public Access transactionalIds(String prefix) {
            this.transactionalIdPrefix = prefix;
            return this;
        }

        public String process() {
            return process;
        }
    }

    /**
     * Checks the process's access; returns when Kafka accepts it, or did not answer within
     * {@code kafka.preflight.timeout} (a warning), or the check is off.
     *
     * @throws KafkaAccessException one line: what Kafka refused, the setting that holds it, the broker's answer
     * @throws IllegalArgumentException when the Kafka client settings themselves are invalid
     */
    public static void check(Settings settings, Access access) {
        Duration timeout = settings.get(TIMEOUT);
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            return;
        }
        check(KafkaClients.from(settings), topicKeys(settings), access, timeout);
    }

    /** As {@link #check(Settings, Access)}, with the topics' setting names for the messages. */
    public static void check(KafkaClients clients, Map<String, String> topicKeys, Access need, Duration timeout) {
        long t0 = System.nanoTime();
        int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Map<String, Object> tuning = new LinkedHashMap<>();
        tuning.put(AdminClientConfig.CLIENT_ID_CONFIG, "perfstream-preflight");
        tuning.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        tuning.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        KafkaPrincipal who = new KafkaPrincipal(clients);
        List<String> denied = new ArrayList<>();
        String clusterId;
        try (Admin admin = Admin.create(clients.admin(tuning))) {
            try {
                clusterId = admin.describeCluster().clusterId().get(ms, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!who.refusal(e.getCause(), need.process)) {
                    return;
                }
                throw new IllegalStateException(e.getCause()); // unreachable: fatal throws
            } catch (java.util.concurrent.TimeoutException e) {
                noAnswer(clients, need, timeout, "no answer");
                return;
            }
            checkTopics(admin, need, topicKeys, who, ms, denied);
            if (need.group != null) {
                try {
                    admin.listConsumerGroupOffsets(need.group).partitionsToOffsetAndMetadata().get(ms, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof GroupAuthorizationException g) {
                        denied.add(who.principal() + " may not use the consumer group '" + need.group + "' (needs READ on it): "
                            + "Kafka answered: " + oneLine(g.getMessage()) + who.grant("Read", "--group", need.group, false));
                    } else if (!who.refusal(e.getCause(), need.process)) {
                        return;
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    noAnswer(clients, need, timeout, "no answer about the group " + need.group);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (denied.isEmpty() && need.transactionalIdPrefix != null) {
            checkTransactions(clients, need, who, ms, denied);
        }
        if (!denied.isEmpty()) {
            throw new KafkaAccessException(String.join("; ", denied));
        }
        LOG.info("Kafka preflight of the {}: cluster {} at {} accepts {} (read {}, write {}{}{}) in {} ms", need.process, clusterId,
            clients.bootstrapServers(), who.principal(), need.reads, need.writes,
            need.group == null ? "" : ", group " + need.group,
            need.transactionalIdPrefix == null ? "" : ", transactional ids " + need.transactionalIdPrefix + "*",
            (System.nanoTime() - t0) / 1_000_000);
    }

    private static void checkTopics(Admin admin, Access need, Map<String, String> topicKeys, KafkaPrincipal who, int ms, List<String> denied)
        throws InterruptedException {
        Set<String> topics = new LinkedHashSet<>(need.reads);
        topics.addAll(need.writes);
        if (topics.isEmpty()) {
            return;
        }
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(topics,
            new DescribeTopicsOptions().includeAuthorizedOperations(true).timeoutMs(ms)).topicNameValues();
        for (String t : topics) {
            Set<AclOperation> needed = EnumSet.noneOf(AclOperation.class);
            if (need.reads.contains(t)) {
                needed.add(AclOperation.READ);
            }
            if (need.writes.contains(t)) {
                needed.add(AclOperation.WRITE);
            }
            String what = "topic '" + t + "'" + (topicKeys.containsKey(t) ? " (" + topicKeys.get(t) + ")" : "");
            try {
                TopicDescription d = described.get(t).get(ms, TimeUnit.MILLISECONDS);
                Set<AclOperation> ops = d.authorizedOperations();
                if (ops == null) {
                    continue; // a broker that does not say
                }
                for (AclOperation op : needed) {
                    if (!ops.contains(op)) {
                        denied.add(who.principal() + " may not " + op + " " + what + ": Kafka at " + who.bootstrap()
                            + " answered that its authorized operations there are " + sorted(ops) + who.grant(cap(op), "--topic", t, false));
                    }
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof TopicAuthorizationException) {
                    for (AclOperation op : needed) {
                        denied.add(who.principal() + " may not " + op + " " + what + ": Kafka at " + who.bootstrap() + " answered: "
                            + oneLine(c.getMessage()) + who.grant(cap(op), "--topic", t, false));
                    }
                } else if (c instanceof UnknownTopicOrPartitionException) {
                    LOG.debug("preflight: topic {} does not exist (the {} checks its own topics)", t, need.process);
                } else if (!who.refusal(c, need.process)) {
                    return;
                }
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.warn("Kafka preflight of the {}: no answer about topic {} within {} ms; not checked", need.process, t, ms);
                return;
            }
        }
    }

    private static void checkTransactions(KafkaClients clients, Access need, KafkaPrincipal who, int ms, List<String> denied) {
        Properties p = clients.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, need.transactionalIdPrefix
            + "-perfstream-preflight", ProducerConfig.MAX_BLOCK_MS_CONFIG, ms, ProducerConfig.CLIENT_ID_CONFIG,
            "perfstream-preflight", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all"));
        KafkaProducer<byte[], byte[]> producer;
        try {
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            LOG.warn("Kafka preflight of the {}: transactional ids not checked: {}", need.process, oneLine(e.getMessage()));
            return;
        }
        try {
            producer.initTransactions();
        } catch (TransactionalIdAuthorizationException e) {
            denied.add(who.principal() + " may not use the transactional ids " + need.transactionalIdPrefix + "* of exactly-once "
                + "processing (needs WRITE and DESCRIBE on them): Kafka at " + who.bootstrap() + " answered: " + oneLine(e.getMessage())
                + who.grant("Write", "--transactional-id", need.transactionalIdPrefix, true));
        } catch (AuthenticationException | AuthorizationException e) {
            who.refusal(e, need.process);
        } catch (KafkaException e) {
            LOG.warn("Kafka preflight of the {}: transactional ids not checked: {}", need.process, oneLine(e.getMessage()));
        } finally {
            producer.close(Duration.ofSeconds(2));
        }
    }

    private static void noAnswer(KafkaClients clients, Access need, Duration timeout, String what) {
        LOG.warn("Kafka preflight of the {}: {} from Kafka at {} within {} ({}); starting anyway, its clients keep retrying",
            need.process, what, clients.bootstrapServers(), timeout, TIMEOUT.name());
    }

    /** topic name -> the key that names it ({@code topic.stats}), for the messages. */
    static Map<String, String> topicKeys(Settings s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (ConfigKey<String> k : List.of(TopicKeys.METRICS, TopicKeys.RUM, TopicKeys.STATS, TopicKeys.ANOMALIES,
            TopicKeys.FORECASTS, TopicKeys.ALERTS, TopicKeys.DEADLETTER, TopicKeys.QUERIES, TopicKeys.CACHE,
            TopicKeys.IMPACT, TopicKeys.RECOMMENDATIONS, TopicKeys.RUM_ELEMENTS)) {
            String v = s.get(k);
            if (v != null) {
                out.putIfAbsent(v, k.name());
            }
        }
        return out;
    }

    private static List<String> sorted(Set<AclOperation> ops) {
        return ops.stream().map(Enum::name).sorted().toList();
    }

    private static String cap(AclOperation op) {
        String n = op.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
