package dev.perfstream.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * Avro's {@link SchemaCompatibility} with messages a person can act on: each incompatibility names
 * the field (a dotted path through nested records) instead of Avro's JSON-pointer location alone.
 */
public final class SchemaCompat {
    private SchemaCompat() {
    }

    /**
     * Whether data written with {@code writer} can be read with {@code reader} (Avro resolution
     * rules: backward compatibility when {@code writer} is the older schema).
     *
     * @return one line per problem, empty when compatible
     */
    public static List<String> problems(Schema reader, Schema writer) {
        SchemaPairCompatibility pair = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (pair.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Incompatibility i : pair.getResult().getIncompatibilities()) {
            String field = fieldPath(reader, i.getLocation());
            String kind = i.getType().name().toLowerCase(Locale.ROOT).replace('_', ' ');
            out.add((field.isEmpty() ? "record " + reader.getFullName() : "field '" + field + "'")
                + ": " + kind + " (" + i.getMessage() + ", at " + i.getLocation() + ")");
        }
        return out;
    }

    /**
     * Turns a location like {@code /fields/3/type/1} into the reader's field path ({@code status}).
     * Unknown steps are skipped; the pointer itself stays in the message anyway.
     */
    static String fieldPath(Schema reader, String location) {
        List<String> names = new ArrayList<>();
        Schema s = reader;
        String[] steps = location == null ? new String[0] : location.split("/");
        for (int i = 0; i < steps.length && s != null; i++) {
            String step = steps[i];
            if (step.equals("fields") && i + 1 < steps.length && s.getType() == Schema.Type.RECORD) {
                int idx = index(steps[++i]);
                if (idx < 0 || idx >= s.getFields().size()) {
                    break;
                }
                Schema.Field f = s.getFields().get(idx);
                names.add(f.name());
                s = f.schema();
            } else if (step.equals("items") && s.getType() == Schema.Type.ARRAY) {
                s = s.getElementType();
            } else if (step.equals("values") && s.getType() == Schema.Type.MAP) {
                s = s.getValueType();
            } else if (s.getType() == Schema.Type.UNION && index(step) >= 0 && index(step) < s.getTypes().size()) {
                s = s.getTypes().get(index(step));
            }
        }
        return String.join(".", names);
    }

    private static int index(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
