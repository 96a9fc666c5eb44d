package dev.perfstream.schemas.json;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/** Avro record to a flat JSON tree: the inverse of {@link JsonRecordReader}. */
final class JsonRecordWriter {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

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
        if (v instanceof Instant) {
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
                m.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        } else {
            out.put(name, v.toString()); // strings and enum symbols
        }
    }
}
