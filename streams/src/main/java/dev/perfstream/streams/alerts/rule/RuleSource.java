package dev.perfstream.streams.alerts.rule;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current {@link RuleSet}, reloaded from its file without a restart. The topology reads
 * {@link #get()} per record; a reload swaps the reference atomically. A file that fails to parse
 * on reload is logged with every problem and the previous rules stay in force; at start-up it is
 * fatal ({@link #load}).
 *
 * <p>Reload polls the file's content (hash) on an interval rather than using {@code WatchService}:
 * polling also sees editors that replace the file by rename and Kubernetes ConfigMap symlink swaps,
 * which inotify-based watching misses or reports on the wrong path.
 */
public final class RuleSource implements Supplier<RuleSet>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RuleSource.class);
    /** Classpath resource with the platform KPI defaults. */
    public static final String DEFAULT_RESOURCE = "/dev/perfstream/streams/alerts/rule/default-rules.yaml";

    private final Path file;
    private final Set<Duration> statsWindows;
    private final AtomicReference<RuleSet> current = new AtomicReference<>();
    private volatile String lastText;
    private ScheduledExecutorService poller;

    private RuleSource(Path file, Set<Duration> statsWindows, RuleSet initial, String text) {
        this.file = file;
        this.statsWindows = statsWindows;
        this.current.set(initial);
        this.lastText = text;
        initial.warnings().forEach(w -> LOG.warn("rules: {}", w));
    }

    /**
     * Loads {@code file}, or the built-in defaults when it is null.
     *
     * @throws RuleFileException listing every problem of the file
     */
    public static RuleSource load(Path file, Set<Duration> statsWindows) throws RuleFileException, IOException {
        String text = file == null ? defaultText() : Files.readString(file, StandardCharsets.UTF_8);
        String name = file == null ? "default-rules.yaml (built in)" : file.toString();
        return new RuleSource(file, statsWindows, RuleParser.parse(name, text, statsWindows), text);
    }

    /** A fixed rule set that never reloads (tests). */
    public static RuleSource fixed(RuleSet rules) {
        return new RuleSource(null, Set.of(), rules, null);
    }

    public static String defaultText() {
        try (InputStream in = RuleSource.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource missing: " + DEFAULT_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public RuleSet get() {
        return current.get();
    }

    /** Starts polling the file every {@code interval}; a no-op for the built-in defaults. */
    public synchronized void watch(Duration interval) {
        if (file == null || poller != null) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "perfstream-rules-reload");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::reloadQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Re-reads the file now.
     *
     * @return true when a changed, valid rule set was installed
     */
    public boolean reload() throws IOException {
        if (file == null) {
            return false;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.equals(lastText)) {
            return false;
        }
        lastText = text;
        try {
            RuleSet next = RuleParser.parse(file.toString(), text, statsWindows);
            RuleSet prev = current.get();
            if (next.version().equals(prev.version())) {
                return false;
            }
            next.warnings().forEach(w -> LOG.warn("rules: {}", w));
            current.set(next);
            LOG.info("rules reloaded from {}: version {} -> {}, {} rules, {} SLOs", file, prev.version(), next.version(),
                next.rules().size(), next.slos().size());
            return true;
        } catch (RuleFileException e) {
            LOG.error("rules reload REJECTED, keeping version {}: {}", current.get().version(), e.getMessage());
            return false;
        }
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (IOException | RuntimeException e) {
            LOG.error("rules reload failed, keeping version {}: {}", current.get().version(), e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }
}
