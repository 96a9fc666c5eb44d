package dev.perfstream.schemas.serde;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.json.JsonRecordCodec;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The one place stages get their codecs from, so that the wire format is a configuration choice:
 * input is detected per record (JSON or Confluent Avro), output follows {@code output.format}.
 *
 * <p>Today: JSON only. The schema-registry issue plugs the Confluent Avro codec in here
 * ({@code schema.registry.url}), without changes to the stages.
 */
public final class Codecs {
    private Codecs() {
    }

    /**
     * @param schema   the generated class's schema, e.g. {@code WindowStats.getClassSchema()}
     * @param settings configuration (registry url, output format)
     */
    public static <T extends SpecificRecord> RecordCodec<T> create(Schema schema, Settings settings) {
        AvroTrust.install();
        return DetectingCodec.jsonOnly(JsonRecordCodec.of(schema));
    }
}
