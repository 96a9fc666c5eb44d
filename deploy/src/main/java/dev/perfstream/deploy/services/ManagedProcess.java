package dev.perfstream.deploy.services;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A service running as a separate OS process, tracked by a PID file so that a later CLI run (for
 * example {@code services stop} after {@code services start}) finds it again.
 *
 * <p>The process gets its own session ({@code setsid}): a Ctrl-C in the terminal then reaches only
 * the launcher, which stops its services in order (stages first, then the broker) instead of every
 * process receiving SIGINT at once. A PID is only trusted while the process's command line still
 * contains {@code marker} (the service's config file), so a recycled PID is never signalled.
 */
final class ManagedProcess {
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final String name;
    private final Path pidFile;
    private final Path logFile;
    private final String marker;

    /**
     * @param marker a string unique to this service's command line (its config file path); it must
     *               appear early: Java reads at most a page of /proc/PID/cmdline
     */
    ManagedProcess(String name, Path pidFile, Path logFile, String marker) {
        this.name = name;
        this.pidFile = pidFile;
        this.logFile = logFile;
        this.marker = marker;
    }

    String name() {
        return name;
    }

    Path logFile() {
        return logFile;
    }

    /** The live process of this service, if its PID file names one that still runs this service. */
    Optional<ProcessHandle> running() {
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Starts {@code command} detached from the terminal's session, output appended to the log file. */
    ProcessHandle launch(List<String> command, Map<String, String> env) throws ServiceException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            cmd.add(SETSID.toString()); // execs in place (the child is no group leader), so the PID stays the service's
        }
        cmd.addAll(command);
        try {
            Files.createDirectories(pidFile.getParent());
            Files.createDirectories(logFile.getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env);
            Process p = pb
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
            Files.writeString(pidFile, p.pid() + "\n", StandardCharsets.US_ASCII);
            return p.toHandle();
        } catch (IOException e) {
            throw new ServiceException("could not start " + name + " (" + String.join(" ", command.subList(0, 1))
                + "): " + e.getMessage(), e);
        }
    }

    /**
     * Stops the service if it runs: SIGTERM, then SIGKILL after {@code grace}. Idempotent: stopping
     * a stopped service only removes a stale PID file.
     *
     * @return true if a running process was stopped
     */
    boolean stop(Duration grace) {
        Optional<ProcessHandle> p = running();
        boolean stopped = false;
        if (p.isPresent()) {
            ProcessHandle h = p.get();
            h.destroy();
            if (!awaitExit(h, grace)) {
                h.destroyForcibly();
                awaitExit(h, Duration.ofSeconds(10));
            }
            stopped = true;
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            // a stale PID file is harmless: running() checks the command line
        }
        return stopped;
    }

    private static boolean awaitExit(ProcessHandle h, Duration d) {
        try {
            h.onExit().get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !h.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        }
    }

    /** The last lines of the log, for error messages. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n    ", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + logFile + ")";
        }
    }
}
