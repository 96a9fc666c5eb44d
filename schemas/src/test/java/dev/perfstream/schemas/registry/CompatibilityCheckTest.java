package dev.perfstream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompatibilityCheckTest {
    private static final Path CURRENT = Paths.get("src/main/avro");
    private static final Path RELEASED = Paths.get("src/main/avro-released");

    @Test
    void shouldAcceptTheCurrentSchemasAgainstTheReleasedOnes() throws Exception {
        assertThat(CompatibilityCheck.check(CURRENT, RELEASED)).isEmpty();
    }

    @Test
    void shouldAcceptANewOptionalFieldWithADefault(@TempDir Path dir) throws Exception {
        String metric = Files.readString(RELEASED.resolve("MetricEvent.avsc"));
        Files.writeString(dir.resolve("MetricEvent.avsc"), metric.replace("\"fields\": [",
            "\"fields\": [\n    {\"name\": \"tenant\", \"type\": [\"null\", \"string\"], \"default\": null},"));
        Path released = Files.createDirectory(dir.resolve("released"));
        Files.copy(RELEASED.resolve("MetricEvent.avsc"), released.resolve("MetricEvent.avsc"));

        assertThat(CompatibilityCheck.check(dir, released)).isEmpty();
    }

    @Test
    void shouldNameTheFieldOfANewRequiredFieldWithoutDefault(@TempDir Path dir) throws Exception {
        String metric = Files.readString(RELEASED.resolve("MetricEvent.avsc"));
        Files.writeString(dir.resolve("MetricEvent.avsc"), metric.replace("\"fields\": [",
            "\"fields\": [\n    {\"name\": \"tenant\", \"type\": \"string\"},"));
        Path released = Files.createDirectory(dir.resolve("released"));
        Files.copy(RELEASED.resolve("MetricEvent.avsc"), released.resolve("MetricEvent.avsc"));

        List<String> problems = CompatibilityCheck.check(dir, released);

        assertThat(problems).singleElement().asString()
            .contains("MetricEvent.avsc is not backward compatible with the released MetricEvent.avsc")
            .contains("field 'tenant'")
            .contains("reader field missing default value");
    }

    @Test
    void shouldNameTheFieldOfAChangedTypeAndFailTheMain(@TempDir Path dir) throws Exception {
        String stats = Files.readString(RELEASED.resolve("WindowStats.avsc"));
        String broken = stats.replaceFirst("\"name\": \"count\", \"type\": \"long\"", "\"name\": \"count\", \"type\": \"string\"");
        assertThat(broken).isNotEqualTo(stats); // the edit applied
        Files.writeString(dir.resolve("WindowStats.avsc"), broken);
        Path released = Files.createDirectory(dir.resolve("released"));
        Files.copy(RELEASED.resolve("WindowStats.avsc"), released.resolve("WindowStats.avsc"));

        assertThatThrownBy(() -> CompatibilityCheck.main(new String[] {dir.toString(), released.toString()}))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("field 'count'")
            .hasMessageContaining("type mismatch");
    }

    @Test
    void shouldReportARemovedSchema(@TempDir Path dir) throws Exception {
        Path released = Files.createDirectory(dir.resolve("released"));
        Files.copy(RELEASED.resolve("Alert.avsc"), released.resolve("Alert.avsc"));

        assertThat(CompatibilityCheck.check(dir, released)).singleElement().asString()
            .contains("Alert.avsc: missing, but");
    }

    @Test
    void shouldNameANestedFieldInAUnion() {
        org.apache.avro.Schema reader = new org.apache.avro.Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"In\","
                + "\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}],\"default\":null}]}");
        assertThat(SchemaCompat.fieldPath(reader, "/fields/0/type/1/fields/0/type")).isEqualTo("a.b");
    }
}
