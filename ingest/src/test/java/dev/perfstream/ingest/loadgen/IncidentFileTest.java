package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncidentFileTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteKindStartEndAndSeriesAndReadThemBack() throws Exception {
        Instant from = Instant.parse("2026-11-26T00:00:00Z");
        List<Incident> inc = IncidentSchedules.scripted(from, from.plusSeconds(6 * 3600), 3);
        TrafficModel m = TrafficModel.standard();
        Path f = dir.resolve("sub/incidents.jsonl");
        IncidentFile.write(f, inc, m);
        List<String> lines = Files.readAllLines(f);
        assertThat(lines).hasSize(5);
        JsonNode truth = new ObjectMapper().readTree(lines.get(4));
        assertThat(truth.get("kind").asText()).isEqualTo("CONVERSION_MODEL");
        assertThat(truth.get("page").asText()).isEqualTo("/checkout");
        assertThat(truth.get("rates").get("NEEDS_IMPROVEMENT").asDouble()).isEqualTo(0.045);
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.get("kind").asText()).isEqualTo("LATENCY_SPIKE");
        assertThat(Instant.parse(first.get("start").asText())).isEqualTo(inc.get(0).start());
        assertThat(Instant.parse(first.get("end").asText())).isEqualTo(inc.get(0).end());
        assertThat(first.get("series").get(0).asText())
            .isEqualTo("http.server.duration|" + inc.get(0).service() + "|" + inc.get(0).route());
        JsonNode db = new ObjectMapper().readTree(lines.get(3));
        assertThat(db.get("kind").asText()).isEqualTo("SLOW_DATABASE");
        assertThat(db.get("route").isNull()).isTrue();
        assertThat(db.get("series").toString()).contains("db.query.duration|" + inc.get(3).service() + "|");
        assertThat(IncidentFile.read(f)).isEqualTo(inc);
    }

    @Test
    void shouldNameTheLineAndFieldOfABadIncident() throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "\n{\"kind\":\"ERROR_BURST\",\"service\":\"x\",\"start\":\"2026-11-26T00:00:00Z\",\"magnitude\":0.5}\n");
        assertThatThrownBy(() -> IncidentFile.read(f)).hasMessageContaining("line 2").hasMessageContaining("'end'");
    }
}
