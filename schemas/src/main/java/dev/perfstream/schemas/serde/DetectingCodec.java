package dev.perfstream.schemas.serde;

import java.util.Objects;

/**
 * Decodes JSON or Confluent Avro, detected per record; encodes with the configured output format.
 * Without a registry, Avro input is rejected with a reason that says so.
 *
 * @param <T> the record type
 */
public final class DetectingCodec<T> implements RecordCodec<T> {
    private final RecordCodec<T> json;
    private final RecordCodec<T> avro; // null when no schema registry is configured
    private final RecordCodec<T> output;

    /**
     * @param json   JSON codec, always present
     * @param avro   Confluent-Avro codec, or null without a registry
     * @param output the codec used by {@link #encode}: one of the two
     */
    public DetectingCodec(RecordCodec<T> json, RecordCodec<T> avro, RecordCodec<T> output) {
        this.json = Objects.requireNonNull(json, "json");
        this.avro = avro;
        this.output = Objects.requireNonNull(output, "output");
    }

    /** JSON in and out, no registry. */
    public static <T> DetectingCodec<T> jsonOnly(RecordCodec<T> json) {
        return new DetectingCodec<>(json, null, json);
    }

    @Override
    public byte[] encode(String topic, T value) {
        return output.encode(topic, value);
    }

    @Override
    public T decode(String topic, byte[] bytes) throws DecodeException {
        switch (WireFormat.detect(bytes)) {
            case JSON:
                return json.decode(topic, bytes);
            case AVRO_CONFLUENT:
                if (avro == null) {
                    throw new DecodeException("format",
                        "record is Confluent-framed Avro (magic byte 0) but no schema registry is configured (schema.registry.url)");
                }
                return avro.decode(topic, bytes);
            default:
                throw new DecodeException("format", describeUnknown(bytes));
        }
    }

    static String describeUnknown(byte[] bytes) {
        if (bytes == null) {
            return "record has no value (null)";
        }
        if (bytes.length == 0) {
            return "record value is empty";
        }
        if (bytes[0] == 0) {
            return "record starts with magic byte 0 but is only " + bytes.length + " bytes, too short for Confluent Avro";
        }
        return String.format("record is neither JSON (starts with '{') nor Confluent Avro (magic byte 0): first byte 0x%02x",
            bytes[0] & 0xff);
    }
}
