package dev.perfstream.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TailCommandTest {
    @Test
    void shouldKnowTheRecordTypeOfEachTopicByItsConfiguredName() {
        Settings defaults = Settings.of(Map.of());
        assertThat(TailCommand.schemaOf(defaults, "perf.stats")).isEqualTo(WindowStats.getClassSchema());
        assertThat(TailCommand.schemaOf(defaults, "perf.metrics")).isEqualTo(MetricEvent.getClassSchema());
        assertThat(TailCommand.schemaOf(defaults, "perf.deadletter")).isEqualTo(DeadLetter.getClassSchema());
        assertThat(TailCommand.schemaOf(defaults, "perf.impact"))
            .isEqualTo(dev.perfstream.schemas.avro.UxImpact.getClassSchema());
        Settings renamed = Settings.of(Map.of("topic.stats", "team.stats"));
        assertThat(TailCommand.schemaOf(renamed, "team.stats")).isEqualTo(WindowStats.getClassSchema());
        assertThat(TailCommand.schemaOf(renamed, "perf.stats")).isNull();
        assertThat(TailCommand.schemaOf(defaults, "orders")).isNull();
    }
}
