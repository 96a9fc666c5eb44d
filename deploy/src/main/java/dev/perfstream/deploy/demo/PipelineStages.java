package dev.perfstream.deploy.demo;

import dev.perfstream.ingest.collector.CollectorApp;
import dev.perfstream.ingest.loadgen.LoadgenApp;
import dev.perfstream.ingest.source.OtlpSourceApp;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.sink.notify.NotifierApp;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.scoring.ScoringApp;
import dev.perfstream.streams.stats.StatsApp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The stages of the all-in-one demo, in start order: consumers before the load generator so that
 * nothing waits on an empty topic.
 *
 * <p>The stages with a status server are started through {@link StageRunner}; the collector (whose HTTP
 * port is its own) and the load generator are started directly.
 */
public final class PipelineStages {
    private PipelineStages() {
    }

    // ---- The demo pipeline. Add or reorder stages here. ------------------------------------------
    public static List<Orchestrator.Stage> demo() {
        return demo(false, false);
    }

    /**
     * @param notify with the notifier (perf.alerts to Alertmanager / a webhook), when one is configured
     * @param otlp   with the OTLP Kafka source, when the load generator writes OTLP ({@code loadgen.format=otlp})
     */
    public static List<Orchestrator.Stage> demo(boolean notify, boolean otlp) {
        List<Orchestrator.Stage> s = new ArrayList<>(List.of(
            withStatus("stats", StatsApp::start),
            withStatus("alerts", AlertsApp::start),
            withStatus("scoring", ScoringApp::start),
            withStatus("sink", SinkApp::start)));
        if (notify) {
            s.add(withStatus("notify", NotifierApp::start));
        }
        if (otlp) {
            s.add(withStatus("otlp", OtlpSourceApp::start));
        }
        s.add(new Orchestrator.Stage("collector", CollectorApp::start));
        s.add(new Orchestrator.Stage("loadgen", LoadgenApp::start));
        return List.copyOf(s);
    }
    // -------------------------------------------------------------------------------------------

    /**
     * A stage started with its status server on {@code <name>.http.port} ({@link StageRunner#start}): each stage
     * of the demo serves /metrics, /healthz and /readyz on its own port; /metrics shows the whole JVM (every
     * stage's counters, labelled by stage), /readyz the stage's own readiness.
     */
    static Orchestrator.Stage withStatus(String name, Function<Settings, ? extends StageRunner.Stage> start) {
        return new Orchestrator.Stage(name, settings -> StageRunner.start(name, settings, start));
    }
}
