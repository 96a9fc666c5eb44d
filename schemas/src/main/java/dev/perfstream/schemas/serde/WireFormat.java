package dev.perfstream.schemas.serde;

/**
 * How one record's value is encoded. Detected per record, so one topic may carry both JSON and
 * Confluent-framed Avro (producers migrate one at a time).
 */
public enum WireFormat {
    /** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary body. */
    AVRO_CONFLUENT,
    /** One JSON object, UTF-8. */
    JSON,
    /** Neither: goes to the dead-letter topic. */
    UNKNOWN;

    /** Confluent framing: magic byte plus schema id. */
    public static final int CONFLUENT_HEADER_BYTES = 5;

    /** Looks at the first bytes only; never throws. */
    public static WireFormat detect(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return UNKNOWN;
        }
        if (bytes[0] == 0) {
            return bytes.length > CONFLUENT_HEADER_BYTES ? AVRO_CONFLUENT : UNKNOWN;
        }
        for (byte b : bytes) {
            if (b == '{') {
                return JSON;
            }
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n' && b != (byte) 0xEF && b != (byte) 0xBB && b != (byte) 0xBF) {
                return UNKNOWN; // allow whitespace and a UTF-8 BOM before the object, nothing else
            }
        }
        return UNKNOWN;
    }
}
