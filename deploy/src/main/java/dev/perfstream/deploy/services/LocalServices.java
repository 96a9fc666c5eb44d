package dev.perfstream.deploy.services;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The local services in start order: Kafka, InfluxDB, the schema registry (unless
 * {@code services.registry.enabled=false}).
 * Starting checks every port first, so a taken port is reported before anything runs; a service
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

    public List<LocalService> services() {
        return services;
    }

    /**
     * Starts every service that is not running yet and waits until each is ready.
     *
     * @return the services this call started, in start order (to stop them again on exit)
     * @throws ServiceException after stopping whatever this call had started
     */
    public List<LocalService> start() throws ServiceException {
        List<LocalService> toStart = new ArrayList<>();
        for (LocalService s : services) {
            Optional<Long> pid = s.pid();
            if (pid.isPresent()) {
                out.printf("  %-9s already running (pid %d) on %s%n", s.name(), pid.get(), s.address());
            } else {
                toStart.add(s);
            }
        }
        for (LocalService s : toStart) {
            s.checkPorts();
        }
        List<LocalService> started = new ArrayList<>();
        try {
            for (LocalService s : toStart) {
                long t0 = System.nanoTime();
                out.printf("  %-9s starting on %s ...%n", s.name(), s.address());
                s.start();
                started.add(s);
                out.printf("  %-9s ready on %s in %s s (pid %d, log %s)%n", s.name(), s.address(),
                    seconds(System.nanoTime() - t0), s.pid().orElse(-1L), s.logFile());
            }
            return List.copyOf(started);
        } catch (ServiceException | RuntimeException e) {
            stop(started);
            throw e;
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
