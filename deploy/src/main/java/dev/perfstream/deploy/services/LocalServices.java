package dev.perfstream.deploy.services;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The local services in start order: Kafka, InfluxDB, the schema registry (unless
 * {@code services.registry.enabled=false}).
 * Starting checks every port first, so a taken port is reported before anything runs, then starts
 * the services side by side and waits for all of them; a service
 * already running from an earlier {@code services start} is reused and left alone on exit.
 */
public final class LocalServices {
    private final List<LocalService> services;
    private final PrintStream out;

    public LocalServices(List<LocalService> services, PrintStream out) {
        this.services = List.copyOf(services);
        this.out = out;
    }

    /** Kafka, InfluxDB and (if enabled) the registry as configured; {@code classpath} is the Kafka broker JVM's. */
    public static LocalServices standard(ServicesConfig c, String classpath, PrintStream out) {
        List<LocalService> s = new ArrayList<>(List.of(new KafkaService(c, classpath), new InfluxService(c)));
        if (c.registry().enabled()) {
            s.add(new RegistryService(c, out));
        }
        return new LocalServices(s, out);
    }

    /** These services plus one more (started last, stopped first), if present. */
    public LocalServices with(java.util.Optional<? extends LocalService> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<LocalService> s = new ArrayList<>(services);
        s.add(more.get());
        return new LocalServices(s, out);
    }

    public List<LocalService> services() {
        return services;
    }

    /**
     * Starts every service that is not running yet and waits until each is ready.
     *
     * @return the services this call started, in start order (to stop them again on exit)
     * @throws ServiceException after stopping whatever this call had started
     */
    /** The services not running now: what a {@link #start()} that follows would start. */
    public List<LocalService> notRunning() {
        List<LocalService> out = new ArrayList<>();
        for (LocalService s : services) {
            if (s.pid().isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    public List<LocalService> start() throws ServiceException {
        List<LocalService> toStart = new ArrayList<>();
        for (LocalService s : services) {
            Optional<Long> pid = s.pid();
            if (pid.isPresent()) {
                out.printf("  %-9s already running (pid %d) on %s%n", s.name(), pid.get(), s.address());
                s.reuse();
            } else {
                toStart.add(s);
            }
        }
        for (LocalService s : toStart) {
            s.checkPorts();
        }
        // Started side by side: the broker and the registry are JVMs that spend most of their startup waiting on
        // class loading and I/O; one after the other, the registry alone added ~15 s to the demo's startup.
        List<LocalService> started = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, toStart.size()), r -> {
            Thread t = new Thread(r, "perfstream-service-start");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<LocalService, Future<?>> running = new LinkedHashMap<>();
            for (LocalService s : toStart) {
                out.printf("  %-9s starting on %s ...%n", s.name(), s.address());
                running.put(s, pool.submit(() -> {
                    long t0 = System.nanoTime();
                    s.start();
                    out.printf("  %-9s ready on %s in %s s (pid %d, log %s)%n", s.name(), s.address(),
                        seconds(System.nanoTime() - t0), s.pid().orElse(-1L), s.logFile());
                    return null;
                }));
            }
            ServiceException failure = null;
            for (Map.Entry<LocalService, Future<?>> e : running.entrySet()) {
                try {
                    e.getValue().get();
                    started.add(e.getKey());
                } catch (ExecutionException ex) {
                    if (e.getKey().pid().isPresent()) {
                        started.add(e.getKey()); // half-started: stop it with the others
                    }
                    Throwable cause = ex.getCause();
                    if (failure == null) {
                        failure = cause instanceof ServiceException se ? se
                            : new ServiceException(e.getKey().name() + " failed to start: " + cause, cause);
                    }
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    if (failure == null) {
                        failure = new ServiceException("interrupted while starting " + e.getKey().name());
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
            return List.copyOf(started);
        } catch (ServiceException | RuntimeException e) {
            stop(started);
            throw e;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Stops the given services in reverse order. */
    public void stop(List<LocalService> which) {
        List<LocalService> rev = new ArrayList<>(which);
        Collections.reverse(rev);
        for (LocalService s : rev) {
            long t0 = System.nanoTime();
            Optional<Long> pid = s.pid();
            if (s.stop()) {
                out.printf("  %-9s stopped (pid %d) in %s s%n", s.name(), pid.orElse(-1L), seconds(System.nanoTime() - t0));
            } else {
                out.printf("  %-9s not running%n", s.name());
            }
        }
    }

    /** Stops every service (idempotent). */
    public void stopAll() {
        stop(services);
    }

    /** Prints one line per service. @return true if all run */
    public boolean status() {
        boolean all = true;
        for (LocalService s : services) {
            Optional<Long> pid = s.pid();
            if (pid.isPresent()) {
                out.printf("  %-9s running (pid %d) on %s, log %s%n", s.name(), pid.get(), s.address(), s.logFile());
            } else {
                out.printf("  %-9s stopped%n", s.name());
                all = false;
            }
        }
        return all;
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }
}
