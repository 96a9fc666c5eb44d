package dev.perfstream.testkit;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * A real KRaft Kafka cluster inside the test JVM (Kafka's own test kit), started in about 2 s.
 * Use with try-with-resources or close it in {@code @AfterAll}; data lives under
 * {@code java.io.tmpdir} (which the build points under {@code target/}).
 *
 * <p>{@link #startSecured(Security)} starts one broker whose only client listener is secured, as a
 * managed Kafka service or Strimzi would run it:
 * <ul>
 *   <li>{@link Security#SASL_SSL}: SASL_SSL with SCRAM-SHA-512 over TLS; users are made with
 *       {@code Admin.alterUserScramCredentials} ({@link #user(String)}), the broker's own user ({@value #SUPER_USER},
 *       also the test's super user) is in the cluster's bootstrap metadata, as {@code kafka-storage format
 *       --add-scram} puts it;</li>
 *   <li>{@link Security#MTLS}: SSL with client certificates required ({@code ssl.client.auth=required}); a
 *       principal is its certificate's CN ({@code ssl.principal.mapping.rules}).</li>
 * </ul>
 * Both use the KRaft {@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false}: a principal
 * can do what {@link #allow} granted it, nothing else; {@value #SUPER_USER} and the broker itself are super
 * users. Certificates, key stores and passwords are made at start ({@link TestPki}, random passwords) in a
 * temp folder deleted on close. The controller listener (KRaft only, not for clients) is SSL with client
 * certificates required, so only the broker (CN=broker) can talk to it.
 */
public final class KafkaTestCluster implements AutoCloseable {
    /** How clients connect. */
    public enum Security { PLAINTEXT, SASL_SSL, MTLS }

    /** The test's own principal, a super user (and the broker's inter-broker user with SCRAM). */
    public static final String SUPER_USER = "admin";

    private final KafkaClusterTestKit kit;
    private final Security security;
    private final TestPki pki;
    private final Path secretsDir;
    private final Map<String, String> passwords = new ConcurrentHashMap<>();

    private KafkaTestCluster(KafkaClusterTestKit kit) {
        this(kit, Security.PLAINTEXT, null, null);
    }

    private KafkaTestCluster(KafkaClusterTestKit kit, Security security, TestPki pki, Path secretsDir) {
        this.kit = kit;
        this.security = security;
        this.pki = pki;
        this.secretsDir = secretsDir;
    }

    /** One combined broker and controller. */
    public static KafkaTestCluster start() throws Exception {
        return start(1);
    }

    /** @param brokers number of brokers (one controller) */
    public static KafkaTestCluster start(int brokers) throws Exception {
        return new KafkaTestCluster(BrokerKits.plain(brokers));
    }

    /**
     * One broker (combined with its controller) whose only client listener is secured as {@code security}
     * says, with the StandardAuthorizer; see the class doc.
     */
    public static KafkaTestCluster startSecured(Security security) throws Exception {
        if (security == Security.PLAINTEXT) {
            return start();
        }
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        Path secrets = Files.createTempDirectory(tmp, "kafka-secrets-");
        try {
            TestPki pki = TestPki.create(secrets.resolve("pki"), "perfstream-test-ca");
            String adminPassword = TestPki.randomSecret();
            KafkaClusterTestKit kit = BrokerKits.secured(security, pki, adminPassword);
            KafkaTestCluster cluster = new KafkaTestCluster(kit, security, pki, secrets);
            cluster.passwords.put(SUPER_USER, adminPassword);
            return cluster;
        } catch (Exception | Error e) {
            deleteTree(secrets);
            throw e;
        }
    }

    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    /** The underlying test kit, for tests that stop or restart brokers. */
    public KafkaClusterTestKit kit() {
        return kit;
    }

    /** Byte producers, consumers and topic reads of the super user ({@value #SUPER_USER} on a secured cluster). */
    public TestClients clients() {
        return new TestClients(this, client(SUPER_USER));
    }

    /** Byte producers, consumers and topic reads of {@code principal} (see {@link #client(String)}). */
    public TestClients clients(String principal) {
        return new TestClients(this, client(principal));
    }

    /** An admin client of the super user ({@value #SUPER_USER} on a secured cluster). */
    public Admin admin() {
        Properties p = new Properties();
        p.putAll(client(SUPER_USER));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(p);
    }

    public Security security() {
        return security;
    }

    /** The CA that signed the broker's certificate and the client certificates; null on a plain cluster. */
    public TestPki pki() {
        return pki;
    }

    /**
     * The Kafka client settings (security.protocol, sasl.*, ssl.*) of a principal, made on first use: a SCRAM
     * user with a random password ({@link Security#SASL_SSL}) or a client certificate {@code CN=<principal>}
     * ({@link Security#MTLS}). Empty on a plain cluster. Without ACLs ({@link #allow}) the principal can
     * connect, and do nothing else.
     */
    public Map<String, String> client(String principal) {
        Map<String, String> m = new TreeMap<>();
        try {
            switch (security) {
                case PLAINTEXT:
                    return m;
                case SASL_SSL:
                    m.put("security.protocol", "SASL_SSL");
                    m.put("sasl.mechanism", "SCRAM-SHA-512");
                    m.put("sasl.jaas.config", scramJaas(principal, user(principal)));
                    break;
                default:
                    m.put("security.protocol", "SSL");
                    m.put("ssl.keystore.type", "PKCS12");
                    m.put("ssl.keystore.location", pki.keystore(principal).toString());
                    m.put("ssl.keystore.password", pki.storePassword());
                    m.put("ssl.key.password", pki.storePassword());
                    break;
            }
            m.put("ssl.truststore.type", "PKCS12");
            m.put("ssl.truststore.location", pki.truststore().toString());
            m.put("ssl.truststore.password", pki.storePassword());
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the credentials of " + principal, e);
        }
        return m;
    }

    /**
     * {@link #client(String)} in a properties file (owner-only permissions) in the cluster's secrets folder, for
     * {@code kafka.client.config=FILE}.
     */
    public Path clientConfigFile(String principal) throws IOException {
        Path f = secretsDir == null ? Files.createTempFile("kafka-client-", ".properties")
            : secretsDir.resolve(principal + ".properties");
        Properties p = new Properties();
        p.putAll(client(principal));
        try (Writer w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            p.store(w, "Kafka client settings of " + principal + " (made by the test kit)");
        }
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        return f;
    }

    /**
     * The SCRAM-SHA-512 password of a user, creating the user (as the super user, with
     * {@code alterUserScramCredentials}) on first use and waiting until the broker accepts it.
     */
    public String user(String name) {
        if (security != Security.SASL_SSL) {
            throw new IllegalStateException("SCRAM users exist on a SASL_SSL cluster only");
        }
        String known = passwords.get(name);
        if (known != null) {
            return known;
        }
        synchronized (passwords) {
            if (passwords.containsKey(name)) {
                return passwords.get(name);
            }
            String password = TestPki.randomSecret();
            try (Admin a = admin()) {
                a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(name,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, BrokerKits.SCRAM_ITERATIONS), password)))
                    .all().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the SCRAM user " + name, e);
            }
            passwords.put(name, password);
            // The credential reaches the broker with the metadata: wait until it authenticates.
            Properties p = new Properties();
            p.putAll(client(name));
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
            Poll.until(Duration.ofSeconds(30), "the broker accepting the SCRAM user " + name, () -> {
                try (Admin a = Admin.create(p)) {
                    a.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
                    return Boolean.TRUE;
                } catch (Exception e) {
                    return null;
                }
            });
            return password;
        }
    }

    /** Every password this cluster made (SCRAM users, key and trust stores), for checks that none is logged. */
    public List<String> secrets() {
        List<String> out = new ArrayList<>(passwords.values());
        if (pki != null) {
            out.add(pki.storePassword());
        }
        return out;
    }

    /**
     * Grants {@code User:<principal>} the operations on a resource (an ALLOW ACL from any host) and waits until
     * the broker's authorizer has them.
     */
    public void allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation... operations) {
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation op : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + principal, "*", op, AclPermissionType.ALLOW)));
        }
        try (Admin a = admin()) {
            a.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            AclBindingFilter filter = new AclBindingFilter(new ResourcePatternFilter(type, name, pattern),
                new AccessControlEntryFilter("User:" + principal, null, AclOperation.ANY, AclPermissionType.ANY));
            Poll.until(Duration.ofSeconds(30), "the ACLs of " + principal + " on " + name, () -> {
                try {
                    return a.describeAcls(filter).values().get(5, TimeUnit.SECONDS).containsAll(acls) ? Boolean.TRUE : null;
                } catch (Exception e) {
                    return null;
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the ACLs " + acls, e);
        }
    }

    /** Shorthand: {@link #allow} on a topic by its literal name. */
    public void allowTopic(String principal, String topic, AclOperation... operations) {
        allow(principal, ResourceType.TOPIC, topic, PatternType.LITERAL, operations);
    }

    /** A JAAS line for SCRAM; its password is a secret, never to be logged. */
    public static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
            + password + "\";";
    }

    /** The names and values of {@link #client(String)} under {@code kafka.client.}, for a perfstream settings map. */
    public Map<String, String> perfstreamClientSettings(String principal) {
        Map<String, String> m = new LinkedHashMap<>();
        client(principal).forEach((k, v) -> m.put("kafka.client." + k, v));
        return m;
    }

    /** The sum of the offsets {@code group} has committed over its partitions (0 while it has none). */
    public long committedOffsets(String group) {
        try (Admin admin = admin()) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the committed offsets of group " + group + ": " + e, e);
        }
    }

    /**
     * Fences the producers of every transactional id that starts with {@code prefix} (a Kafka Streams application's
     * are {@code <application.id>-...}): a producer of the same id bumps the epoch, as the broker does when a
     * transaction outlives {@code transaction.timeout.ms}; the fenced ones fail at their next send or commit.
     *
     * @return the transactional ids fenced
     */
    public List<String> fenceTransactions(String prefix) throws Exception {
        List<String> ids;
        try (Admin admin = admin()) {
            ids = admin.listTransactions().all().get(30, TimeUnit.SECONDS).stream()
                .map(org.apache.kafka.clients.admin.TransactionListing::transactionalId)
                .filter(id -> id.startsWith(prefix)).toList();
        }
        for (String id : ids) {
            try (var p = clients().producer(Map.of(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                id, org.apache.kafka.clients.producer.ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
                p.initTransactions();
            }
        }
        return ids;
    }

    /** Creates topics with the given partition count and the cluster's replication (max 3). */
    public void createTopics(int partitions, String... names) throws Exception {
        short rf = (short) Math.min(kit.brokers().size(), 3);
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            topics.add(new NewTopic(n, partitions, rf));
        }
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            // Created is not led yet: an idempotent producer that meets NOT_LEADER on a just-created partition can
            // retry one batch forever (OutOfOrderSequenceException, seen in NotifierIT and StatsFailoverIT). Return
            // once the leader broker of every partition leads it: its metadata cache (what describeTopics tells) is
            // updated before its replica manager has made the partition, so ask the replica manager itself.
            List<String> all = List.of(names);
            Poll.until(Duration.ofSeconds(30), "the leader broker leading every partition of " + all, () -> {
                try {
                    for (var d : admin.describeTopics(all).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                        for (var pi : d.partitions()) {
                            if (pi.leader() == null || pi.leader().isEmpty()) {
                                return null;
                            }
                            kafka.server.BrokerServer b = kit.brokers().get(pi.leader().id());
                            var p = b == null ? null : b.replicaManager().onlinePartition(
                                new org.apache.kafka.common.TopicPartition(d.name(), pi.partition()));
                            if (p == null || p.isEmpty() || !p.get().isLeader()) {
                                return null;
                            }
                        }
                    }
                    return Boolean.TRUE;
                } catch (Exception e) {
                    return null;
                }
            });
        }
    }

    @Override
    public void close() throws Exception {
        try {
            kit.close();
        } finally {
            if (secretsDir != null) {
                deleteTree(secretsDir);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: it is under java.io.tmpdir
        }
    }
}
