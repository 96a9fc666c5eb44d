package dev.perfstream.deploy.demo;

import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.config.Settings;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Starts pipeline stages in order and closes them in reverse. If one fails to start, the ones
 * already started are closed before the error is passed on, so nothing is left running.
 */
public final class Orchestrator implements AutoCloseable {
    /** Starts one stage and returns it running; closing it shuts it down cleanly. */
    @FunctionalInterface
    public interface StageStarter {
        AutoCloseable start(Settings settings) throws Exception;
    }

    /**
     * @param name    short name for messages
     * @param starter how to start it, e.g. {@code StatsApp::start}
     */
    public record Stage(String name, StageStarter starter) {
    }

    private record Running(String name, AutoCloseable app) {
    }

    private final List<Stage> stages;
    private final PrintStream out;
    private final Deque<Running> running = new ArrayDeque<>();
    /**
     * Set by {@link #close()} at once, before it waits for a start in progress: that start starts no further stage, and
     * a start that comes after it (a stop during the services' start-up) starts nothing.
     */
    private volatile boolean closed;

    public Orchestrator(List<Stage> stages, PrintStream out) {
        this.stages = List.copyOf(stages);
        this.out = out;
    }

    /**
     * Starts every stage in list order; none once {@link #close()} has run.
     *
     * @throws Exception the first failure, after closing the stages already started
     */
    public synchronized void start(Settings settings) throws Exception {
        for (Stage s : stages) {
            if (closed) {
                return; // stopped: close() closes what this start started, nothing more
            }
            long t0 = System.nanoTime();
            try {
                AutoCloseable app = s.starter().start(settings);
                running.push(new Running(s.name(), app));
                String status = app instanceof StageRunner.Running r && r.statusPort() >= 0
                    ? "; /metrics, /healthz, /readyz on port " + r.statusPort() : "";
                out.printf(Locale.ROOT, "  %-9s started in %.1f s%s%n", s.name(), (System.nanoTime() - t0) / 1e9, status);
            } catch (Exception e) {
                close();
                throw new Exception("stage " + s.name() + " failed to start: " + e.getMessage(), e);
            }
        }
    }

    /** Names of the running stages, in start order. */
    public synchronized List<String> runningStages() {
        List<String> names = new ArrayList<>();
        running.descendingIterator().forEachRemaining(r -> names.add(r.name()));
        return names;
    }

    /** Closes the running stages, last started first; keeps going if one fails to close. */
    @Override
    public void close() {
        closed = true;
        closeRunning();
    }

    private synchronized void closeRunning() {
        while (!running.isEmpty()) {
            Running r = running.pop();
            long t0 = System.nanoTime();
            try {
                r.app().close();
                out.printf(Locale.ROOT, "  %-9s stopped in %.1f s%n", r.name(), (System.nanoTime() - t0) / 1e9);
            } catch (Exception e) {
                out.printf("  %-9s failed to stop cleanly: %s%n", r.name(), e);
            }
        }
    }
}
