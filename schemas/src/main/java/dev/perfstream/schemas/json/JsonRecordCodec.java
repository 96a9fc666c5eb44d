package dev.perfstream.schemas.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.serde.AvroTrust;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * JSON for any generated Avro record, one object per record, with the Avro field names, so that
 * {@code kcat}, {@code curl} and languages without Avro work at once.
 *
 * <p>Mapping: timestamps are epoch milliseconds (ISO-8601 strings are accepted on input), enums
 * their symbol (case-insensitive, {@code -} for {@code _}), optional fields may be absent or
 * {@code null}, unknown fields are ignored (forward compatibility), bytes are base64. Errors name
 * the field. Hand-written rather than Avro's own JSON encoding because that one wraps every
 * optional value as {@code {"string": "..."}}, which no producer outside Avro writes.
 *
 * @param <T> the generated record class
 */
public final class JsonRecordCodec<T extends SpecificRecord> implements RecordCodec<T> {
    /** Upper bound on one JSON record; larger ones are rejected before parsing. */
    public static final int MAX_RECORD_BYTES = 64 * 1024;

    static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // NaN/Infinity parse, then fail validation by name
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)  // same values, cheaper: measured in DecodeBenchmark
        .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
        .build();

    static {
        AvroTrust.install();
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
            .maxStringLength(MAX_RECORD_BYTES).maxNestingDepth(16).build());
    }

    private final Schema schema;
    private final JsonRecordReader reader;
    private final JsonRecordWriter writer = new JsonRecordWriter();

    private JsonRecordCodec(Schema schema) {
        this.schema = schema;
        this.reader = new JsonRecordReader(schema);
    }

    /** @param schema the generated class's {@code SCHEMA$}, e.g. {@code MetricEvent.getClassSchema()} */
    public static <T extends SpecificRecord> JsonRecordCodec<T> of(Schema schema) {
        return new JsonRecordCodec<>(schema);
    }

    @Override
    public byte[] encode(String topic, T value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            writer.write(value, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The record as a JSON tree (used by the CLI's pretty printers). */
    public ObjectNode toTree(T value) {
        return writer.write(value);
    }

    @Override
    public T decode(String topic, byte[] bytes) throws DecodeException {
        if (bytes == null) {
            throw new DecodeException("parse", "record has no value (null)");
        }
        if (bytes.length > MAX_RECORD_BYTES) {
            throw new DecodeException("parse", "record is " + bytes.length + " bytes, over the limit of " + MAX_RECORD_BYTES);
        }
        if (reader.streamable()) {
            try (JsonParser p = MAPPER.createParser(bytes)) {
                SpecificRecord r = reader.read(p);
                if (r != null) {
                    @SuppressWarnings("unchecked")
                    T t = (T) r;
                    return t;
                }
            } catch (IOException | DecodeException | RuntimeException e) {
                // fall through: the tree path below reports the canonical error (or decodes what the
                // fast path could not)
            }
        }
        return decodeTree(bytes);
    }

    /** The reference decoding: whole tree first, then fields in schema order (so errors are reported consistently). */
    T decodeTree(byte[] bytes) throws DecodeException {
        JsonNode node;
        try (JsonParser p = MAPPER.createParser(bytes)) {
            node = MAPPER.readTree(p);
            if (p.nextToken() != null) {
                throw new DecodeException("parse", "invalid JSON: trailing content after the object");
            }
        } catch (JsonProcessingException e) {
            throw new DecodeException("parse", "invalid JSON: " + e.getOriginalMessage()
                + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new DecodeException("parse", "invalid JSON: " + e.getMessage());
        }
        return fromTree(node);
    }

    /** Decodes an already-parsed object (batches in the collector). */
    @SuppressWarnings("unchecked")
    public T fromTree(JsonNode node) throws DecodeException {
        if (node == null || !node.isObject()) {
            throw new DecodeException("parse", "expected a JSON object for " + schema.getName()
                + ", got " + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        SpecificRecord record = (SpecificRecord) SpecificData.get().newRecord(null, schema);
        reader.fill(record, schema, (ObjectNode) node, "");
        return (T) record;
    }
}
