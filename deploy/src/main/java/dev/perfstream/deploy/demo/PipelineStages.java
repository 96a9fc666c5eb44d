package dev.perfstream.deploy.demo;

import dev.perfstream.ingest.source.OtlpSourceApp;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.sink.notify.NotifierApp;
import dev.perfstream.streams.alert.AlertsApp;
import dev.perfstream.streams.scoring.ScoringApp;
import dev.perfstream.streams.window.StatsApp;
import java.util.function.Function;
import dev.perfstream.schemas.config.Settings;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * The stages of the all-in-one demo, in start order: consumers before the load generator so that
 * nothing waits on an empty topic.
 *
 * <p>The stages with a status server are started through {@link StageRunner}; the collector and the load
 * generator are still found by class name through their {@code public static XxxApp start(Settings)}
 * method (a leftover of parallel work: a missing stage gives a clear error instead of a build failure).
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
        List<Orchestrator.Stage> s = new java.util.ArrayList<>(List.of(
            withStatus("stats", StatsApp::start, true),
            withStatus("alerts", AlertsApp::start, false),
            withStatus("scoring", ScoringApp::start, false),
            withStatus("sink", SinkApp::start, true)));
        if (notify) {
            s.add(withStatus("notify", NotifierApp::start, false));
        }
        if (otlp) {
            s.add(withStatus("otlp", OtlpSourceApp::start, true));
        }
        s.add(byClassName("collector", "dev.perfstream.ingest.collector.CollectorApp", false));
        s.add(byClassName("loadgen", "dev.perfstream.ingest.loadgen.LoadgenApp", true));
        return List.copyOf(s);
    }
    // -------------------------------------------------------------------------------------------

    /**
     * A stage started with its status server on {@code <name>.http.port} ({@link StageRunner#start}): each stage
     * of the demo serves /metrics, /healthz and /readyz on its own port; /metrics shows the whole JVM (every
     * stage's counters, labelled by stage), /readyz the stage's own readiness.
     */
    static Orchestrator.Stage withStatus(String name, Function<Settings, ? extends StageRunner.Stage> start,
                                         boolean required) {
        return new Orchestrator.Stage(name, settings -> StageRunner.start(name, settings, start), required);
    }

    /** A stage started by {@code className.start(Settings)}. */
    public static Orchestrator.Stage byClassName(String name, String className, boolean required) {
        return new Orchestrator.Stage(name, settings -> startByName(className, settings), required);
    }

    static AutoCloseable startByName(String className, Settings settings) throws Exception {
        Class<?> type;
        try {
            type = Class.forName(className);
        } catch (ClassNotFoundException e) {
            throw new StageMissingException(className + " is not on the classpath (its module does not provide it yet;"
                + " rebuild with `deploy/perfstream build` if it should)");
        }
        Method start;
        try {
            start = type.getMethod("start", Settings.class);
        } catch (NoSuchMethodException e) {
            throw new StageMissingException(className + " has no public static start(Settings) method");
        }
        if (!Modifier.isStatic(start.getModifiers()) || !AutoCloseable.class.isAssignableFrom(start.getReturnType())) {
            throw new StageMissingException(className + ".start(Settings) must be static and return an AutoCloseable app");
        }
        try {
            return (AutoCloseable) start.invoke(null, settings);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }
}
