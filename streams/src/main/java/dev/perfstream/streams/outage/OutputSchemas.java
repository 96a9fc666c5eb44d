package dev.perfstream.streams.outage;

import dev.perfstream.schemas.retry.Backoff;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.registry.RegistryUnavailableException;
import dev.perfstream.schemas.registry.SchemaRegistryClient;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.ConfluentAvroCodec;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers a stage's output schemas before its stream threads start, so that encoding a result
 * never needs the registry (the client caches the ids). That is what lets {@link ParkedRecords}
 * assume a record fails only at its lookup: a serializer that met an unreachable registry would
 * fail the whole stream thread instead.
 */
public final class OutputSchemas {
    private static final Logger LOG = LoggerFactory.getLogger(OutputSchemas.class);

    private OutputSchemas() {
    }

    /**
     * Registers each schema under {@code <topic>-value}, waiting (with capped backoff, a WARN per
     * failed attempt) for as long as the registry is unreachable. Does nothing for JSON output.
     *
     * @param settings the settings the stage's codecs were built from (same client, same cache)
     * @throws IllegalStateException if interrupted while waiting
     */
    public static void register(Settings settings, String stage, Map<String, Schema> schemaByTopic) {
        if (!RegistryConfig.configured(settings)
            || !"avro".equals(settings.string(Codecs.OUTPUT_FORMAT, "avro").toLowerCase(Locale.ROOT))) {
            return;
        }
        SchemaRegistryClient client = SchemaRegistryClient.shared(RegistryConfig.from(settings));
        ParkedRecords.Config outage = ParkedRecords.Config.from(settings);
        Backoff backoff = new Backoff(outage.firstPause(), outage.maxPause());
        long start = System.nanoTime();
        for (Map.Entry<String, Schema> e : schemaByTopic.entrySet()) {
            while (true) {
                try {
                    client.register(ConfluentAvroCodec.subject(e.getKey()), e.getValue());
                    break;
                } catch (RegistryUnavailableException ex) {
                    long pause = backoff.next();
                    LOG.warn("{}: schema registry {} unreachable for {} s, cannot register the output schema of {} yet;"
                            + " the stage starts once it answers (next attempt in {} s): {}", stage, client.config().urls(),
                        Duration.ofNanos(System.nanoTime() - start).toSeconds(), e.getKey(), pause / 1000.0, ex.getMessage());
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(stage + ": interrupted while waiting for the schema registry", ie);
                    }
                }
            }
        }
    }
}
