package dev.perfstream.testkit;

import dev.perfstream.schemas.avro.MetricEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * What an outside producer does, without perfstream's codec: plain Avro {@link GenericRecord}s with
 * some writer schema (older or newer than perfstream's classes), framed the Confluent way (magic
 * byte 0, 4-byte id, Avro binary) exactly as Confluent's {@code KafkaAvroSerializer} frames them.
 * Used by the schema-evolution tests here and in downstream modules.
 */
public final class ConfluentAvroProducing {
    private ConfluentAvroProducing() {
    }

    /** MetricEvent "v2": the current schema plus an optional {@code tenant} string (default null) at the end. */
    public static Schema metricEventV2() {
        List<Schema.Field> fields = copyFields(MetricEvent.getClassSchema(), null);
        Schema optionalString = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
        fields.add(new Schema.Field("tenant", optionalString, "Tenant that owns the service (added in v2).", Schema.Field.NULL_DEFAULT_VALUE));
        return record(fields);
    }

    /** MetricEvent "v0": the current schema without its optional {@code region} field (an older producer). */
    public static Schema metricEventV0() {
        return record(copyFields(MetricEvent.getClassSchema(), "region"));
    }

    private static Schema record(List<Schema.Field> fields) {
        Schema s = MetricEvent.getClassSchema();
        return Schema.createRecord(s.getName(), s.getDoc(), s.getNamespace(), false, fields);
    }

    private static List<Schema.Field> copyFields(Schema schema, String without) {
        List<Schema.Field> out = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (!f.name().equals(without)) {
                out.add(new Schema.Field(f, f.schema()));
            }
        }
        return out;
    }

    /**
     * The generated record's values as a {@link GenericRecord} of {@code writer}: fields missing from
     * the record come from {@code extra} (or stay null); timestamps become epoch millis, enums symbols.
     */
    public static GenericRecord toGeneric(SpecificRecordBase value, Schema writer, Map<String, Object> extra) {
        GenericData.Record r = new GenericData.Record(writer);
        for (Schema.Field f : writer.getFields()) {
            Object v = value.getSchema().getField(f.name()) != null ? value.get(f.name()) : extra.get(f.name());
            if (v instanceof Instant i) {
                v = i.toEpochMilli();
            } else if (v instanceof Enum<?> e) {
                v = new GenericData.EnumSymbol(f.schema(), e.name());
            }
            r.put(f.name(), v);
        }
        return r;
    }

    /** Confluent framing of a record written with its own schema under registry id {@code id}. */
    public static byte[] frame(int id, GenericRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A deterministic MetricEvent for test number {@code i}. */
    public static MetricEvent metric(int i) {
        return MetricEvent.newBuilder()
            .setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L + i * 10L))
            .setService(i % 3 == 0 ? "checkout" : "search")
            .setInstance("pod-" + (i % 4))
            .setMetric("http.server.duration")
            .setValue(10.0 + (i % 97) * 1.5)
            .setUnit("ms")
            .setOutcome(i % 50 == 0 ? dev.perfstream.schemas.avro.Outcome.ERROR : dev.perfstream.schemas.avro.Outcome.OK)
            .setStatus(i % 50 == 0 ? 503 : 200)
            .setRoute("/api/orders/{id}")
            .setMethod("GET")
            .setRegion(i % 2 == 0 ? "eu-west-1" : null)
            .build();
    }
}
