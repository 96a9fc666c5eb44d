package dev.perfstream.schemas.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.serde.DecodeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Schema-driven JSON to Avro record; every error names the field path. Two ways in: {@link #fill}
 * from a parsed tree (the reference behaviour, and every error message), and {@link #read} straight
 * from the parser's tokens (the hot path of the stats stage: no tree per record). {@link #read}
 * handles the common scalar cases itself and hands anything else (objects, timestamps as strings,
 * numbers of the wrong kind) to the tree conversion of that one value, so values are converted
 * the same way either way.
 */
final class JsonRecordReader {
    private final Schema schema;
    private final Map<String, Schema.Field> fields = new HashMap<>();
    /** Per field position: the schema values are converted to (the non-null branch of a union). */
    private final Schema[] effective;

    JsonRecordReader(Schema schema) {
        this.schema = schema;
        this.effective = new Schema[schema.getFields().size()];
        for (Schema.Field f : schema.getFields()) {
            fields.put(f.name(), f);
            effective[f.pos()] = nonNull(f.schema());
        }
    }

    /** Whether {@link #read} can track this schema's fields (a bit per field). */
    boolean streamable() {
        return effective.length <= 64;
    }

    /**
     * Reads the record from a parser positioned before its first token. Callers must treat any
     * exception as "use the tree path": errors found here may be reported in a different order than
     * {@link #fill} would (document order, not schema order), so the caller re-decodes with the tree
     * path to produce the one canonical error.
     *
     * @return the record, or null if the input is not a JSON object
     */
    SpecificRecord read(JsonParser p) throws IOException, DecodeException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        SpecificRecord record = (SpecificRecord) SpecificData.get().newRecord(null, schema);
        long seen = 0;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            Schema.Field f = fields.get(p.currentName());
            JsonToken v = p.nextToken();
            if (f == null) {
                p.skipChildren(); // unknown fields are ignored (forward compatibility)
                continue;
            }
            record.put(f.pos(), value(f, p, v));
            seen |= 1L << f.pos();
        }
        if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
            return null;
        }
        for (Schema.Field f : schema.getFields()) {
            if ((seen & (1L << f.pos())) == 0) {
                record.put(f.pos(), missing(f, f.name(), true));
            }
        }
        return record;
    }

    private Object value(Schema.Field f, JsonParser p, JsonToken t) throws IOException, DecodeException {
        Schema s = effective[f.pos()];
        switch (t) {
            case VALUE_NULL:
                return missing(f, f.name(), false);
            case VALUE_STRING:
                if (s.getType() == Schema.Type.STRING) {
                    return p.getText();
                }
                if (s.getType() == Schema.Type.ENUM) {
                    return enumValue(s, p.getText(), f.name());
                }
                break;
            case VALUE_NUMBER_INT:
                switch (s.getType()) {
                    case DOUBLE:
                        return p.getDoubleValue();
                    case LONG:
                        if (p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG) {
                            long l = p.getLongValue();
                            return LogicalTypes.timestampMillis().equals(s.getLogicalType()) ? Instant.ofEpochMilli(l) : (Object) l;
                        }
                        break;
                    case INT:
                        if (p.getNumberType() == JsonParser.NumberType.INT) {
                            return p.getIntValue();
                        }
                        break;
                    default:
                        break;
                }
                break;
            case VALUE_NUMBER_FLOAT:
                if (s.getType() == Schema.Type.DOUBLE) {
                    return p.getDoubleValue();
                }
                break;
            case VALUE_TRUE:
            case VALUE_FALSE:
                if (s.getType() == Schema.Type.BOOLEAN) {
                    return t == JsonToken.VALUE_TRUE;
                }
                break;
            default:
                break;
        }
        JsonNode node = p.readValueAsTree(); // anything else: the tree conversion of this one value
        return convert(f.schema(), node, f.name());
    }

    private static Schema nonNull(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            for (Schema b : s.getTypes()) {
                if (b.getType() != Schema.Type.NULL) {
                    return b;
                }
            }
        }
        return s;
    }

    void fill(SpecificRecord record, Schema schema, ObjectNode node, String prefix) throws DecodeException {
        for (Schema.Field f : schema.getFields()) {
            String path = prefix + f.name();
            JsonNode v = node.get(f.name());
            Object value;
            if (v == null || v.isNull()) {
                value = missing(f, path, v == null);
            } else {
                value = convert(f.schema(), v, path);
            }
            record.put(f.pos(), value);
        }
    }

    private Object missing(Schema.Field f, String path, boolean absent) throws DecodeException {
        if (isNullable(f.schema())) {
            return null;
        }
        if (!absent && f.schema().getType() == Schema.Type.DOUBLE) {
            return Double.NaN; // the writer's encoding of NaN/Infinity, which JSON cannot spell
        }
        if (absent && f.hasDefaultValue()) {
            Object d = SpecificData.get().getDefaultValue(f);
            if (LogicalTypes.timestampMillis().equals(f.schema().getLogicalType()) && d instanceof Long) {
                return Instant.ofEpochMilli((Long) d);
            }
            return d;
        }
        throw new DecodeException("validation", absent
            ? "missing required field '" + path + "'"
            : "field '" + path + "' must not be null");
    }

    private Object convert(Schema s, JsonNode v, String path) throws DecodeException {
        switch (s.getType()) {
            case UNION:
                for (Schema branch : s.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        return convert(branch, v, path);
                    }
                }
                throw new DecodeException("validation", "field '" + path + "' has no non-null type");
            case STRING:
                if (!v.isTextual()) {
                    throw wrongType(path, "a string", v);
                }
                return v.textValue();
            case DOUBLE:
            case FLOAT:
                if (!v.isNumber()) {
                    throw wrongType(path, "a number", v);
                }
                return s.getType() == Schema.Type.DOUBLE ? (Object) v.doubleValue() : (Object) v.floatValue();
            case INT:
                if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                    throw wrongType(path, "an integer", v);
                }
                return v.intValue();
            case LONG:
                return longValue(s.getLogicalType(), v, path);
            case BOOLEAN:
                if (!v.isBoolean()) {
                    throw wrongType(path, "true or false", v);
                }
                return v.booleanValue();
            case ENUM:
                return enumValue(s, v, path);
            case MAP:
                return mapValue(s, v, path);
            case RECORD:
                if (!v.isObject()) {
                    throw wrongType(path, "an object", v);
                }
                SpecificRecord nested = (SpecificRecord) SpecificData.get().newRecord(null, s);
                fill(nested, s, (ObjectNode) v, path + ".");
                return nested;
            case ARRAY:
                if (!v.isArray()) {
                    throw wrongType(path, "an array", v);
                }
                java.util.List<Object> items = new java.util.ArrayList<>(v.size());
                for (int i = 0; i < v.size(); i++) {
                    items.add(convert(s.getElementType(), v.get(i), path + "[" + i + "]"));
                }
                return items;
            case BYTES:
                if (!v.isTextual()) {
                    throw wrongType(path, "a base64 string", v);
                }
                try {
                    return ByteBuffer.wrap(Base64.getDecoder().decode(v.textValue()));
                } catch (IllegalArgumentException e) {
                    throw new DecodeException("validation", "field '" + path + "' is not valid base64");
                }
            default:
                throw new DecodeException("validation", "field '" + path + "' has unsupported type " + s.getType());
        }
    }

    private Object longValue(LogicalType logical, JsonNode v, String path) throws DecodeException {
        boolean timestamp = LogicalTypes.timestampMillis().equals(logical);
        if (timestamp && v.isTextual()) {
            try {
                return Instant.parse(v.textValue());
            } catch (DateTimeParseException e) {
                throw new DecodeException("validation", "field '" + path
                    + "' must be epoch milliseconds or an ISO-8601 instant like 2026-01-31T12:00:00Z, got \"" + abbreviate(v.textValue()) + "\"");
            }
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(path, timestamp ? "epoch milliseconds (an integer)" : "an integer", v);
        }
        return timestamp ? Instant.ofEpochMilli(v.longValue()) : (Object) v.longValue();
    }

    private Object enumValue(Schema s, JsonNode v, String path) throws DecodeException {
        if (!v.isTextual()) {
            throw wrongType(path, "one of " + s.getEnumSymbols(), v);
        }
        return enumValue(s, v.textValue(), path);
    }

    private static Object enumValue(Schema s, String text, String path) throws DecodeException {
        String symbol = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (!s.hasEnumSymbol(symbol)) {
            throw new DecodeException("validation", "field '" + path + "' must be one of " + s.getEnumSymbols()
                + ", got \"" + abbreviate(text) + "\"");
        }
        return SpecificData.get().createEnum(symbol, s);
    }

    private Object mapValue(Schema s, JsonNode v, String path) throws DecodeException {
        if (!v.isObject()) {
            throw wrongType(path, "an object", v);
        }
        Map<String, Object> out = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), convert(s.getValueType(), e.getValue(), path + "." + e.getKey()));
        }
        return out;
    }

    static boolean isNullable(Schema s) {
        if (s.getType() == Schema.Type.NULL) {
            return true;
        }
        if (s.getType() == Schema.Type.UNION) {
            for (Schema b : s.getTypes()) {
                if (b.getType() == Schema.Type.NULL) {
                    return true;
                }
            }
        }
        return false;
    }

    private static DecodeException wrongType(String path, String expected, JsonNode got) {
        String shown = got.isTextual() ? "\"" + abbreviate(got.textValue()) + "\"" : abbreviate(got.toString());
        return new DecodeException("validation", "field '" + path + "' must be " + expected + ", got "
            + got.getNodeType().toString().toLowerCase(Locale.ROOT) + " " + shown);
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
