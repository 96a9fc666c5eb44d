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
        }, true);
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
    void shouldCloseStartedStagesWhenALaterOneFails() {
        Orchestrator.Stage broken = new Orchestrator.Stage("broken", s -> {
            throw new IllegalStateException("cannot reach Kafka");
        }, true);
        Orchestrator o = new Orchestrator(List.of(stage("a"), stage("b"), broken, stage("d")), out);
        assertThatThrownBy(() -> o.start(Settings.of(Map.of())))
            .hasMessageContaining("stage broken failed to start: cannot reach Kafka");
        assertThat(events).containsExactly("start a ?", "start b ?", "close b", "close a");
        assertThat(o.runningStages()).isEmpty();
    }

    @Test
    void shouldFailClearlyWhenARequiredStageClassIsMissing() {
        Orchestrator o = new Orchestrator(List.of(stage("a"),
            PipelineStages.byClassName("stats", "dev.perfstream.nowhere.StatsApp", true)), out);
        assertThatThrownBy(() -> o.start(Settings.of(Map.of())))
            .isInstanceOf(StageMissingException.class)
            .hasMessageContaining("dev.perfstream.nowhere.StatsApp is not on the classpath");
        assertThat(events).containsExactly("start a ?", "close a");
    }

    @Test
    void shouldSkipAMissingOptionalStage() throws Exception {
        Orchestrator o = new Orchestrator(List.of(
            PipelineStages.byClassName("scoring", "dev.perfstream.nowhere.ScoringApp", false), stage("a")), out);
        o.start(Settings.of(Map.of()));
        assertThat(o.runningStages()).containsExactly("a");
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("scoring", "skipped", "not on the classpath");
        o.close();
    }

    @Test
    void shouldStartAStageByClassNameThroughItsStaticStartMethod() throws Exception {
        Orchestrator o = new Orchestrator(List.of(
            PipelineStages.byClassName("fake", FakeApp.class.getName(), true)), out);
        o.start(Settings.of(Map.of("fake.name", "x1")));
        assertThat(FakeApp.last.name).isEqualTo("x1");
        assertThat(FakeApp.last.closed).isFalse();
        o.close();
        assertThat(FakeApp.last.closed).isTrue();
    }

    @Test
    void shouldRejectAClassWithoutAStartMethod() {
        assertThatThrownBy(() -> PipelineStages.startByName(String.class.getName(), Settings.of(Map.of())))
            .isInstanceOf(StageMissingException.class)
            .hasMessageContaining("has no public static start(Settings) method");
    }

    @Test
    void shouldPassOnTheStagesOwnStartupError() {
        assertThatThrownBy(() -> PipelineStages.startByName(FakeApp.class.getName(), Settings.of(Map.of("fake.fail", "true"))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("fake.fail is set");
    }

    @Test
    void shouldListTheDemoStagesWithConsumersBeforeTheLoadGenerator() {
        List<String> names = PipelineStages.demo().stream().map(Orchestrator.Stage::name).toList();
        assertThat(names).startsWith("stats").endsWith("loadgen").contains("sink");
        assertThat(PipelineStages.demo().stream().filter(Orchestrator.Stage::required).map(Orchestrator.Stage::name))
            .containsExactly("stats", "sink", "loadgen");
    }

    /** Shaped like a stage's XxxApp. */
    public static final class FakeApp implements AutoCloseable {
        static FakeApp last;
        final String name;
        boolean closed;

        private FakeApp(String name) {
            this.name = name;
        }

        public static FakeApp start(Settings s) {
            if (s.bool("fake.fail", false)) {
                throw new IllegalArgumentException("fake.fail is set");
            }
            last = new FakeApp(s.string("fake.name", "?"));
            return last;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
