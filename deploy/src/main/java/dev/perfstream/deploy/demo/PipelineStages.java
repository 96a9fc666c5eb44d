package dev.perfstream.deploy.demo;

import dev.perfstream.schemas.config.Settings;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * The stages of the all-in-one demo, in start order: consumers before the load generator so that
 * nothing waits on an empty topic.
 *
 * <p>Stages are found by class name and started through their {@code public static XxxApp
 * start(Settings)} method (the entry-point convention of every stage). Reflection keeps this module
 * compiling while the stages are being written in parallel; a missing required stage gives a clear
 * error instead of a build failure. Once all stages are on main, this list can switch to method
 * references ({@code StatsApp::start}) without changing {@link Orchestrator}.
 */
public final class PipelineStages {
    private PipelineStages() {
    }

    // ---- The demo pipeline. Add or reorder stages here. ------------------------------------------
    public static List<Orchestrator.Stage> demo() {
        return demo(false);
    }

    /** @param notify with the notifier (perf.alerts to Alertmanager / a webhook), when one is configured */
    public static List<Orchestrator.Stage> demo(boolean notify) {
        List<Orchestrator.Stage> s = new java.util.ArrayList<>(List.of(
            byClassName("stats", "dev.perfstream.streams.window.StatsApp", true),
            byClassName("alerts", "dev.perfstream.streams.alert.AlertsApp", false),
            byClassName("scoring", "dev.perfstream.streams.scoring.ScoringApp", false),
            byClassName("sink", "dev.perfstream.sink.influx.SinkApp", true)));
        if (notify) {
            s.add(byClassName("notify", "dev.perfstream.sink.notify.NotifierApp", false));
        }
        s.add(byClassName("collector", "dev.perfstream.ingest.collector.CollectorApp", false));
        s.add(byClassName("loadgen", "dev.perfstream.ingest.loadgen.LoadgenApp", true));
        return List.copyOf(s);
    }
    // -------------------------------------------------------------------------------------------

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
