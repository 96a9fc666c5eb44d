package dev.perfstream.runtime;

import dev.perfstream.schemas.config.Settings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lifecycle for every stage process ({@code perfstream run STAGE}, a stage's {@code main}): start the
 * stage, start its status server, stop both on SIGTERM / Ctrl-C, wait, and exit non-zero when the stage
 * stopped on a failure.
 */
public final class StageRunner {
    private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

    /** A started stage, as the runner sees it. */
    public interface Stage extends StageStatus, AutoCloseable {
        /** @return true once the stage has stopped (closed, or after a failure) */
        boolean awaitStop(Duration timeout) throws InterruptedException;

        /** True when the stage stopped (or is stopping) because of a failure. */
        default boolean failed() {
            return notAlive().isPresent();
        }

        /** Stops the stage; safe to call more than once. */
        @Override
        void close();
    }

    /** A stage and its status server, both stopped by {@link #close()}. */
    public static final class Running implements AutoCloseable {
        private final Stage stage;
        private final StatusServer server;

        Running(Stage stage, StatusServer server) {
            this.stage = stage;
            this.server = server;
        }

        public Stage stage() {
            return stage;
        }

        /** The status server's port, or -1 when it is off. */
        public int statusPort() {
            return server == null ? -1 : server.port();
        }

        @Override
        public void close() {
            if (server != null) {
                server.close();
            }
            stage.close();
        }
    }

    private StageRunner() {
    }

    /**
     * Starts the stage and its status server ({@code <stage>.http.port}); if the server cannot start, the stage
     * is stopped again and the error names the port.
     */
    public static <S extends Stage> Running start(String name, Settings settings, Function<Settings, S> starter) {
        String host = settings.get(StatusConfig.HOST);
        int port = StatusConfig.port(settings, name);
        S stage = starter.apply(settings);
        try {
            return new Running(stage, port < 0 ? null : StatusServer.start(host, port, stage));
        } catch (RuntimeException e) {
            stage.close();
            throw e;
        }
    }

    /**
     * Runs a stage in the foreground until SIGTERM / Ctrl-C or until it fails.
     *
     * @param banner what to print once started (the stage's identity; the status address is added)
     * @return the exit code: 0 after a clean stop, 1 when the stage stopped on a failure
     */
    public static <S extends Stage> int run(String name, Settings settings, Function<Settings, S> starter,
                                            Function<S, String> banner, PrintStream out) throws InterruptedException {
        String host = settings.get(StatusConfig.HOST);
        int port = StatusConfig.port(settings, name);
        S stage = starter.apply(settings);
        StatusServer server;
        try {
            server = port < 0 ? null : StatusServer.start(host, port, stage);
        } catch (RuntimeException e) {
            stage.close();
            throw e;
        }
        Running running = new Running(stage, server);
        Thread hook = new Thread(running::close, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(banner.apply(stage) + (server == null ? "" : "; status on http://" + host + ":" + server.port()
            + "/metrics, /healthz, /readyz") + "; Ctrl-C stops it");
        while (!stage.awaitStop(Duration.ofSeconds(10))) {
            // foreground until stopped
        }
        boolean failed = stage.failed();
        if (failed) {
            LOG.error("{} stage stopped on a failure: {}", name, stage.notAlive().orElse("?"));
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            running.close();
        } catch (IllegalStateException e) {
            // already shutting down: the hook closes it
        }
        return failed ? 1 : 0;
    }
}
