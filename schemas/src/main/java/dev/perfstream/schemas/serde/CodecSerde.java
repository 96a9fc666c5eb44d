package dev.perfstream.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serde} over a {@link RecordCodec}. Decoding failures surface as
 * {@link SerializationException} carrying the codec's reason; stages that must dead-letter bad
 * input read raw bytes and call the codec themselves instead.
 *
 * <p>With a schema registry, the deserializer can also throw
 * {@link dev.perfstream.schemas.registry.RegistryException} (unreachable past its retry budget, or
 * credentials rejected). That is not bad input: a Kafka Streams deserialization exception handler
 * sees it too (Streams catches every RuntimeException there) and must answer FAIL for it, never
 * CONTINUE, or the record would be skipped.
 */
public final class CodecSerde<T> implements Serde<T> {
    private final RecordCodec<T> codec;

    public CodecSerde(RecordCodec<T> codec) {
        this.codec = codec;
    }

    public RecordCodec<T> codec() {
        return codec;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : codec.encode(topic, value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return codec.decode(topic, bytes);
            } catch (DecodeException e) {
                throw new SerializationException(e.getMessage(), e);
            }
        };
    }
}
