package dev.perfstream.schemas.serde;

/**
 * Turns one record type into bytes and back. Implementations: {@link JsonRecordCodec}, and the
 * registry-backed Avro codec. Decoding never throws anything but {@link DecodeException}, so a
 * stage can route every failure to the dead-letter topic.
 *
 * @param <T> the record type
 */
public interface RecordCodec<T> {
    /** @param topic the topic the bytes are for (the registry subject derives from it) */
    byte[] encode(String topic, T value);

    /** @param topic the topic the bytes came from */
    T decode(String topic, byte[] bytes) throws DecodeException;
}
