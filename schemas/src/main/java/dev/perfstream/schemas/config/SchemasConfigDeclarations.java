package dev.perfstream.schemas.config;

import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.serde.Codecs;
import java.util.List;
import java.util.Map;

/** The keys every process shares: Kafka, its client pass-through, topics, wire format and schema registry. */
public final class SchemasConfigDeclarations implements ConfigDeclarations {
    @Override
    public List<ConfigGroup> groups() {
        return List.of(
            ConfigGroup.of("kafka", "Kafka", 10, KafkaClients.class, KafkaPreflight.class),
            ConfigGroup.of("topics", "Topics", 20, TopicKeys.class),
            ConfigGroup.of("registry", "Wire format and schema registry", 30, Codecs.class, RegistryConfig.class));
    }

    @Override
    public Map<String, ConfigCatalog.PassThroughValidator> passThroughValidators() {
        return Map.of(
            KafkaClients.CLIENT.name(), KafkaClients::clientProblem,
            KafkaClients.PRODUCER.name(), (k, v) -> KafkaClients.roleProblem(KafkaClients.Role.PRODUCER, k, v),
            KafkaClients.CONSUMER.name(), (k, v) -> KafkaClients.roleProblem(KafkaClients.Role.CONSUMER, k, v),
            KafkaClients.ADMIN.name(), (k, v) -> KafkaClients.roleProblem(KafkaClients.Role.ADMIN, k, v),
            KafkaClients.CLIENT_CONFIG.name(), (k, v) -> KafkaClients.fileProblem(v));
    }
}
