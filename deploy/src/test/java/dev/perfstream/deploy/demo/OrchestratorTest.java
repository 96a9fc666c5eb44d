package dev.perfstream.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrchestratorTest {
    private final List<String> events = new ArrayList<>();
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);

    private Orchestrator.Stage stage(String name) {
        return new Orchestrator.Stage(name, s -> {
            events.add("start " + name + " " + s.string("k", "?"));
            return () -> events.add("close " + name);
        });
    }

    @Test
    void shouldStartInOrderAndCloseInReverse() throws Exception {
        Orchestrator o = new Orchestrator(List.of(stage("a"), stage("b"), stage("c")), out);
        o.start(Settings.of(Map.of("k", "v")));
        assertThat(o.runningStages()).containsExactly("a", "b", "c");
        o.close();
        o.close(); // idempotent
        assertThat(events).containsExactly("start a v", "start b v", "start c v", "close c", "close b", "close a");
    }

    @Test
    void shouldStartNothingOnceClosed() throws Exception {
        Orchestrator o = new Orchestrator(List.of(stage("a"), stage("b")), out);
        o.close(); // a stop (Ctrl-C) while the services were still starting
        o.start(Settings.of(Map.of()));
        assertThat(events).isEmpty();
        assertThat(o.runningStages()).isEmpty();
    }

    @Test
    void shouldCloseStartedStagesWhenALaterOneFails() {
        Orchestrator.Stage broken = new Orchestrator.Stage("broken", s -> {
            throw new IllegalStateException("cannot reach Kafka");
        });
        Orchestrator o = new Orchestrator(List.of(stage("a"), stage("b"), broken, stage("d")), out);
        assertThatThrownBy(() -> o.start(Settings.of(Map.of())))
            .hasMessageContaining("stage broken failed to start: cannot reach Kafka");
        assertThat(events).containsExactly("start a ?", "start b ?", "close b", "close a");
        assertThat(o.runningStages()).isEmpty();
    }

    @Test
    void shouldListTheDemoStagesWithConsumersBeforeTheLoadGenerator() {
        List<String> names = PipelineStages.demo().stream().map(Orchestrator.Stage::name).toList();
        assertThat(names).containsExactly("stats", "alerts", "scoring", "sink", "collector", "loadgen");
        assertThat(PipelineStages.demo(true, true).stream().map(Orchestrator.Stage::name))
            .containsExactly("stats", "alerts", "scoring", "sink", "notify", "otlp", "collector", "loadgen");
    }
}
