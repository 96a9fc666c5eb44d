package dev.perfstream.streams.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes WindowStats, reading a JSON {@code null} statistic as NaN ("no value"). Used for perf.stats
 * and for the internal repartition topic (which the same JSON writer fills).
 *
 * <p>Why: JSON has no NaN, so the shared JSON writer writes a non-finite statistic (an empty
 * window's percentiles) as {@code null}, and the schema-driven reader rejects {@code null} for a
 * non-nullable double. For the alerts stage such a window is "no data" (no alert, no crash), and
 * its count and errors still count toward SLOs, so it must not become a dead letter.
 */
final class StatsDecoder implements RecordCodec<WindowStats> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The statistics that may be NaN. */
    private static final List<String> STATS = List.of("errorRate", "rate", "min", "max", "mean", "p50", "p75", "p90",
        "p95", "p99", "p999");

    private final RecordCodec<WindowStats> codec;

    StatsDecoder(RecordCodec<WindowStats> codec) {
        this.codec = codec;
    }

    @Override
    public byte[] encode(String topic, WindowStats value) {
        return codec.encode(topic, value);
    }

    @Override
    public WindowStats decode(String topic, byte[] bytes) throws DecodeException {
        try {
            return codec.decode(topic, bytes);
        } catch (DecodeException e) {
            WindowStats retry = withNullsAsNaN(topic, bytes);
            if (retry == null) {
                throw e;
            }
            return retry;
        }
    }

    private WindowStats withNullsAsNaN(String topic, byte[] bytes) throws DecodeException {
        if (bytes == null || bytes.length == 0 || bytes[0] != '{') {
            return null;
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
        if (!(tree instanceof ObjectNode)) {
            return null;
        }
        ObjectNode o = (ObjectNode) tree;
        List<String> nulls = new ArrayList<>();
        for (String f : STATS) {
            if (o.has(f) && o.get(f).isNull()) {
                nulls.add(f);
                o.put(f, 0.0);
            }
        }
        if (nulls.isEmpty()) {
            return null;
        }
        byte[] patched;
        try {
            patched = JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            return null;
        }
        WindowStats s = codec.decode(topic, patched);
        for (String f : nulls) {
            s.put(f, Double.NaN);
        }
        return s;
    }
}
