package dev.perfstream.schemas.serde;

import dev.perfstream.schemas.registry.RegistryUnavailableException;
import dev.perfstream.schemas.registry.SchemaCompat;
import dev.perfstream.schemas.registry.SchemaLookup;
import dev.perfstream.schemas.registry.UnknownSchemaException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro in the Confluent wire format: magic byte 0, the writer schema's registry id as a 4-byte
 * big-endian int, then the Avro binary body. Interoperates with Confluent's
 * {@code KafkaAvroSerializer}/{@code KafkaAvroDeserializer} and any serializer that frames the same way.
 *
 * <p><b>Decoding</b> reads the body with the writer schema fetched by id and resolves it into the
 * current generated class (Avro schema resolution): an older writer lacking an optional field gets
 * its default, a newer writer's extra fields are skipped. The id's subject is not consulted, as
 * with Confluent's deserializer: an id registered under another subject (producers using
 * {@code RecordNameStrategy}, or a copy of the schema under another topic) is read when the writer
 * schema is compatible with the reader; when it is not (another record type, a required field
 * missing, a changed type) the record fails with code {@code incompatible-schema} naming the field.
 * That decision is cached per id.
 *
 * <p>Failures: unknown id (404) {@code unknown-schema}; JSON Schema/Protobuf id or bad framing
 * {@code format}; truncated or corrupt body, trailing bytes {@code parse}. An unreachable registry
 * is not a record failure: {@link RegistryUnavailableException} propagates after the client's
 * bounded retries (see {@code SchemaRegistryClient}).
 *
 * <p><b>Encoding</b> registers the current class schema under the topic-name subject
 * ({@code <topic>-value}) once, then frames each record with its id.
 *
 * @param <T> the generated record class
 */
public final class ConfluentAvroCodec<T extends SpecificRecord> implements RecordCodec<T> {
    /** Confluent's magic byte. */
    public static final byte MAGIC = 0;

    private final Schema reader;
    private final SchemaLookup registry;
    private final SpecificData data = SpecificData.get();
    private final SpecificDatumWriter<T> writer;
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
    private final Map<Integer, DecodeException> rejected = new ConcurrentHashMap<>();

    /**
     * @param reader   the generated class's schema, e.g. {@code MetricEvent.getClassSchema()}
     * @param registry where writer schemas come from and ours are registered
     */
    public ConfluentAvroCodec(Schema reader, SchemaLookup registry) {
        AvroTrust.install();
        this.reader = reader;
        this.registry = registry;
        this.writer = new SpecificDatumWriter<>(reader, data);
    }

    /** The Confluent subject for a topic's values (TopicNameStrategy). */
    public static String subject(String topic) {
        return topic + "-value";
    }

    @Override
    public byte[] encode(String topic, T value) {
        int id = registry.register(subject(topic), reader);
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write(MAGIC);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(value, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    @Override
    public T decode(String topic, byte[] bytes) throws DecodeException {
        if (bytes == null || bytes.length <= WireFormat.CONFLUENT_HEADER_BYTES) {
            throw new DecodeException("format", DetectingCodec.describeUnknown(bytes));
        }
        if (bytes[0] != MAGIC) {
            throw new DecodeException("format", String.format(
                "wrong magic byte 0x%02x: Confluent Avro starts with 0x00", bytes[0] & 0xff));
        }
        int id = ((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8) | (bytes[4] & 0xff);
        DatumReader<T> datumReader = readers.get(id);
        if (datumReader == null) {
            datumReader = resolve(id);
        }
        int bodyLength = bytes.length - WireFormat.CONFLUENT_HEADER_BYTES;
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, WireFormat.CONFLUENT_HEADER_BYTES, bodyLength, null);
        T value;
        try {
            value = datumReader.read(null, in);
            if (!in.isEnd()) {
                throw new DecodeException("parse", "Avro body of schema id " + id + " has trailing bytes after the "
                    + reader.getName() + jsonHint(bytes));
            }
        } catch (IOException | RuntimeException e) {
            // EOFException for a truncated body; AvroRuntimeException, ArrayIndexOutOfBounds, SystemLimitException for garbage.
            throw new DecodeException("parse", "Avro body of schema id " + id + " (" + bodyLength + " bytes) is truncated or corrupt: "
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()) + jsonHint(bytes), e);
        }
        return value;
    }

    /** Fetches the writer schema (once per id) and decides whether it can be read as {@code T}. */
    private DatumReader<T> resolve(int id) throws DecodeException {
        DecodeException known = rejected.get(id);
        if (known != null) {
            throw new DecodeException(known.code(), known.getMessage());
        }
        Schema writerSchema;
        try {
            writerSchema = registry.schemaById(id);
        } catch (UnknownSchemaException e) {
            throw new DecodeException(e.code(), e.getMessage());
        }
        if (!writerSchema.equals(reader)) {
            List<String> problems = SchemaCompat.problems(reader, writerSchema);
            if (!problems.isEmpty()) {
                DecodeException e = new DecodeException("incompatible-schema", "schema id " + id + " (" + writerSchema.getFullName()
                    + ") cannot be read as " + reader.getFullName() + ": " + String.join("; ", problems));
                rejected.put(id, e);
                throw e;
            }
        }
        DatumReader<T> r = new SpecificDatumReader<>(writerSchema, reader, data);
        DatumReader<T> raced = readers.putIfAbsent(id, r);
        return raced != null ? raced : r;
    }

    /** A producer that framed JSON text as Avro (or used Confluent's JSON Schema serializer) gets told so. */
    private static String jsonHint(byte[] bytes) {
        int i = WireFormat.CONFLUENT_HEADER_BYTES;
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) {
            i++;
        }
        return i < bytes.length && bytes[i] == '{'
            ? "; the body looks like JSON text, not Avro binary: send plain JSON without the 5-byte header, or real Avro"
            : "";
    }
}
