package dev.perfstream.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.kafka.KafkaClients;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests parse, and each stage runs as its own Kafka principal: its Deployment points
 * {@code kafka.client.config} at a file of a Secret of its own, mounted read-only, next to the brokers' CA;
 * that file holds only valid Kafka client settings, its secrets are placeholders, and the Strimzi example
 * declares a user of the same name with ACLs.
 */
class KubernetesManifestsTest {
    private static final Path K8S = Path.of("").toAbsolutePath().getParent().resolve("deploy/k8s");

    @Test
    @SuppressWarnings("unchecked")
    void shouldGiveEveryStageItsOwnKafkaPrincipalFromAMountedSecret() throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                docs.addAll(load(f));
            }
        }
        Map<String, Map<String, Object>> secrets = new HashMap<>();
        docs.stream().filter(d -> "Secret".equals(d.get("kind")))
            .forEach(d -> secrets.put((String) ((Map<String, Object>) d.get("metadata")).get("name"), d));
        List<Map<String, Object>> users = load(K8S.resolve("strimzi/kafka-users.yaml"));
        List<String> userNames = users.stream().map(u -> (String) ((Map<String, Object>) u.get("metadata")).get("name")).toList();

        List<Map<String, Object>> deployments = docs.stream().filter(d -> "Deployment".equals(d.get("kind"))).toList();
        assertThat(deployments).hasSize(6);
        for (Map<String, Object> d : deployments) {
            Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) d.get("spec"))
                .get("template")).get("spec");
            Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
            String stage = (String) container.get("name");
            Map<String, Object> env = new HashMap<>();
            ((List<Map<String, Object>>) container.get("env")).forEach(e -> env.put((String) e.get("name"), e.get("value")));
            assertThat(env).as(stage).containsEntry("PERFSTREAM_KAFKA_CLIENT_CONFIG", "/etc/kafka-client/client.properties");
            Map<String, String> mounts = new HashMap<>();
            ((List<Map<String, Object>>) container.get("volumeMounts")).forEach(m -> {
                mounts.put((String) m.get("name"), (String) m.get("mountPath"));
                if (((String) m.get("name")).startsWith("kafka-")) {
                    assertThat(m.get("readOnly")).as(stage + " " + m.get("name") + " read-only").isEqualTo(true);
                }
            });
            assertThat(mounts).as(stage).containsEntry("kafka-client", "/etc/kafka-client").containsEntry("kafka-ca", "/etc/kafka-ca");
            Map<String, String> volumes = new HashMap<>();
            ((List<Map<String, Object>>) pod.get("volumes")).stream().filter(v -> v.containsKey("secret"))
                .forEach(v -> volumes.put((String) v.get("name"), (String) ((Map<String, Object>) v.get("secret")).get("secretName")));
            assertThat(volumes).as(stage).containsEntry("kafka-client", "perfstream-kafka-" + stage)
                .containsEntry("kafka-ca", "perfstream-kafka-ca");
            assertThat(secrets).as("the Secret of " + stage).containsKey("perfstream-kafka-" + stage);

            String file = (String) ((Map<String, Object>) secrets.get("perfstream-kafka-" + stage).get("stringData")).get("client.properties");
            Properties p = new Properties();
            p.load(new StringReader(file));
            for (String k : p.stringPropertyNames()) {
                assertThat(KafkaClients.clientProblem(k, p.getProperty(k))).as(stage + " client.properties " + k).isNull();
            }
            assertThat(p.getProperty("ssl.truststore.location")).isEqualTo("/etc/kafka-ca/ca.crt");
            assertThat(p.getProperty("sasl.jaas.config")).contains("username=\"perfstream-" + stage + "\"")
                .contains("password=\"change-me\"");
            assertThat(userNames).as("a Strimzi KafkaUser for " + stage).contains("perfstream-" + stage);
        }
        assertThat(secrets).containsKey("perfstream-kafka-ca");
    }

    private static List<Map<String, Object>> load(Path f) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(f))) {
            if (o != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) o;
                out.add(m);
            }
        }
        return out;
    }
}
