package dev.perfstream.ingest.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Incidents as JSON lines, one object per incident:
 * <pre>{"kind":"LATENCY_SPIKE","service":"catalog","route":"/api/search","start":"2026-11-26T10:00:00Z",
 * "end":"2026-11-26T10:10:00Z","magnitude":5.0,"series":["http.server.duration|catalog|/api/search"],"causes":[]}</pre>
 * {@code route} is null when every route of the service is affected; {@code series} lists the
 * {@code metric|service|route} series the incident moves, {@code causes} the true cause of each affected route's
 * latency rise as {@code kind|service|route|name} ({@link IncidentLabels#causes}; empty when no dependency causes it)
 * (both written for evaluations, ignored on read).
 */
public final class IncidentFile {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private IncidentFile() {
    }

    public static String toJsonLine(Incident i, TrafficModel model) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("kind", i.kind().name());
        o.put("service", i.service());
        o.put("route", i.route());
        o.put("start", i.start().toString());
        o.put("end", i.end().toString());
        o.put("magnitude", i.magnitude());
        ArrayNode series = o.putArray("series");
        IncidentLabels.affectedSeries(model, i).forEach(series::add);
        ArrayNode causes = o.putArray("causes");
        IncidentLabels.causes(model, i).forEach(causes::add);
        return o.toString();
    }

    /** The incidents, then the model's conversion truth ({@link ConversionModel#toJsonLine}) when it has one. */
    public static void write(Path file, List<Incident> incidents, TrafficModel model) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Incident i : incidents) {
            sb.append(toJsonLine(i, model)).append('\n');
        }
        if (model.conversion() != null) {
            sb.append(model.conversion().toJsonLine()).append('\n');
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException naming the line and field of the first bad incident */
    public static List<Incident> read(Path file) throws IOException {
        List<Incident> out = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode o = MAPPER.readTree(line);
                if (ConversionModel.KIND.equals(o.path("kind").asText())) {
                    continue; // a label, not an incident
                }
                out.add(parse(o));
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(file + " line " + n + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    static Incident parse(JsonNode o) {
        JsonNode route = o.get("route");
        return new Incident(IncidentKind.valueOf(text(o, "kind")), text(o, "service"),
            route == null || route.isNull() ? null : route.asText(),
            Instant.parse(text(o, "start")), Instant.parse(text(o, "end")), o.path("magnitude").asDouble(Double.NaN));
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new UncheckedIOException(new IOException("field '" + field + "' is missing or not a string"));
        }
        return v.asText();
    }
}
