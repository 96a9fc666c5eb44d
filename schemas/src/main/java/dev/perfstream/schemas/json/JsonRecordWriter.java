package dev.perfstream.schemas.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro record to flat JSON, the inverse of {@link JsonRecordReader}: as a tree ({@link #write(SpecificRecord)},
 * for the CLI's printers) or straight to a generator ({@link #write(SpecificRecord, JsonGenerator)}, the
 * hot path: no tree per record). Both give the same fields in the same order.
 */
final class JsonRecordWriter {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * Each record schema's field names, quoted and UTF-8 encoded once: written per record as bytes
     * rather than re-escaped from a String (the stats stage writes ~25 names per closed window).
     * Schemas are the generated classes' own instances, so they are compared by identity. Copied on
     * write (a codec is shared by a stage's threads, and a codec meets one or two schemas), so the
     * per-record lookup takes no lock.
     */
    private volatile Map<Schema, SerializableString[]> names = new IdentityHashMap<>();

    private SerializableString[] names(Schema schema) {
        SerializableString[] fieldNames = names.get(schema);
        if (fieldNames != null) {
            return fieldNames;
        }
        List<Schema.Field> fields = schema.getFields();
        fieldNames = new SerializableString[fields.size()];
        for (Schema.Field f : fields) {
            fieldNames[f.pos()] = new SerializedString(f.name());
        }
        synchronized (this) {
            Map<Schema, SerializableString[]> copy = new IdentityHashMap<>(names);
            copy.put(schema, fieldNames);
            names = copy;
        }
        return fieldNames;
    }

    void write(SpecificRecord record, JsonGenerator g) throws IOException {
        SerializableString[] fieldNames = names(record.getSchema());
        g.writeStartObject();
        for (int pos = 0; pos < fieldNames.length; pos++) {
            Object v = record.get(pos);
            if (v == null) {
                continue;
            }
            g.writeFieldName(fieldNames[pos]);
            value(v, g);
        }
        g.writeEndObject();
    }

    private void value(Object v, JsonGenerator g) throws IOException {
        if (v instanceof SpecificRecord) {
            write((SpecificRecord) v, g);
        } else if (v instanceof java.util.List) {
            g.writeStartArray();
            for (Object item : (java.util.List<?>) v) {
                value(item, g);
            }
            g.writeEndArray();
        } else if (v instanceof Instant) {
            g.writeNumber(((Instant) v).toEpochMilli());
        } else if (v instanceof Double) {
            double d = (Double) v;
            if (Double.isFinite(d)) {
                g.writeNumber(d);
            } else {
                g.writeNull();
            }
        } else if (v instanceof Number) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else if (v instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) v).duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            // Jackson's default variant is java.util.Base64's basic encoding (padded, no line feeds): the same text
            g.writeBinary(bytes);
        } else if (v instanceof Map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(e.getValue(), g); // map<double> values stay numbers
            }
            g.writeEndObject();
        } else {
            g.writeString(v.toString());
        }
    }

    ObjectNode write(SpecificRecord record) {
        ObjectNode out = NODES.objectNode();
        for (Schema.Field f : record.getSchema().getFields()) {
            Object v = record.get(f.pos());
            if (v == null) {
                continue; // absent means null: smaller records, same meaning
            }
            put(out, f.name(), v);
        }
        return out;
    }

    private void put(ObjectNode out, String name, Object v) {
        if (v instanceof SpecificRecord) {
            out.set(name, write((SpecificRecord) v));
        } else if (v instanceof java.util.List) {
            com.fasterxml.jackson.databind.node.ArrayNode a = out.putArray(name);
            for (Object item : (java.util.List<?>) v) {
                ObjectNode holder = NODES.objectNode();
                put(holder, "v", item);
                a.add(holder.get("v"));
            }
        } else if (v instanceof Instant) {
            out.put(name, ((Instant) v).toEpochMilli());
        } else if (v instanceof Double) {
            double d = (Double) v;
            if (Double.isFinite(d)) {
                out.put(name, d);
            } else {
                out.putNull(name); // JSON has no NaN; readers treat null as "no value"
            }
        } else if (v instanceof Number) {
            out.put(name, ((Number) v).longValue());
        } else if (v instanceof Boolean) {
            out.put(name, (Boolean) v);
        } else if (v instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) v).duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.put(name, Base64.getEncoder().encodeToString(bytes));
        } else if (v instanceof Map) {
            ObjectNode m = out.putObject(name);
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                put(m, String.valueOf(e.getKey()), e.getValue()); // map<double> values stay numbers
            }
        } else {
            out.put(name, v.toString()); // strings and enum symbols
        }
    }
}
