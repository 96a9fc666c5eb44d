package dev.perfstream.schemas.serde;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.json.JsonRecordCodec;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.registry.SchemaRegistryClient;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The one place stages get their codecs from, so that the wire format is a configuration choice:
 * input is detected per record (JSON or Confluent Avro), output follows {@code output.format}.
 *
 * <ul>
 *   <li>{@code schema.registry.url} unset: JSON in and out; Confluent-framed input is rejected (code {@code format}).</li>
 *   <li>{@code schema.registry.url} set: JSON and Confluent Avro in (per record); out as {@code output.format},
 *       {@code avro} by default, or {@code json}. One {@link SchemaRegistryClient} (and cache) per registry
 *       configuration is shared by all codecs of the JVM.</li>
 * </ul>
 * {@code output.format=avro} without a registry is a configuration error.
 */
public final class Codecs {
    public static final ConfigKey<String> FORMAT = ConfigKey.string("output.format", null).oneOf("avro", "json")
        .defaultText("avro with a registry, else json")
        .doc("Format of the records perfstream writes; avro needs schema.registry.url");
    /** Key of the output format setting: {@code avro} or {@code json}. */
    public static final String OUTPUT_FORMAT = FORMAT.name();

    private Codecs() {
    }

    /**
     * @param schema   the generated class's schema, e.g. {@code WindowStats.getClassSchema()}
     * @param settings configuration (registry url, output format)
     */
    public static <T extends SpecificRecord> RecordCodec<T> create(Schema schema, Settings settings) {
        AvroTrust.install();
        RecordCodec<T> json = JsonRecordCodec.of(schema);
        boolean registry = RegistryConfig.configured(settings);
        String format = settings.string(OUTPUT_FORMAT, registry ? "avro" : "json").toLowerCase(Locale.ROOT);
        if (!format.equals("avro") && !format.equals("json")) {
            throw new IllegalArgumentException(OUTPUT_FORMAT + ": \"" + format + "\" is not avro or json");
        }
        if (!registry) {
            if (format.equals("avro")) {
                throw new IllegalArgumentException(OUTPUT_FORMAT + "=avro needs a schema registry: set " + RegistryConfig.URL);
            }
            return DetectingCodec.jsonOnly(json);
        }
        RecordCodec<T> avro = new ConfluentAvroCodec<>(schema, SchemaRegistryClient.shared(RegistryConfig.from(settings)));
        return new DetectingCodec<>(json, avro, format.equals("avro") ? avro : json);
    }
}
