package dev.perfstream.ingest.collector;

import dev.perfstream.schemas.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perfstream bench collector}: starts a collector on a free loopback port against a running
 * Kafka broker, drives it with {@code wrk} (sendBeacon-shaped bodies, five vitals each), and prints
 * beacons per second and response-time percentiles. Loopback only; the per-client rate limit is
 * lifted for the run because every wrk connection comes from 127.0.0.1.
 */
@Command(name = "collector", mixinStandardHelpOptions = true,
    description = {"Load benchmark of the beacon collector with wrk on loopback: beacons/s sustained and p50/p90/p99 "
        + "response time. Needs a running Kafka broker (--bootstrap) with the RUM topic, and wrk (Debian package 'wrk').",
        "With --otlp traces|metrics: the OTLP/HTTP receiver instead, protobuf batches of --batch spans or histogram "
        + "points as an OpenTelemetry SDK exports them; prints spans or data points per second."})
public final class CollectorBenchCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: kafka.bootstrap.servers or 127.0.0.1:9092).")
    String bootstrap;

    @Option(names = "--duration", description = "wrk run time, e.g. 30s (default ${DEFAULT-VALUE}).", defaultValue = "30s")
    String duration;

    @Option(names = "--connections", description = "Concurrent connections (default ${DEFAULT-VALUE}).", defaultValue = "64")
    int connections;

    @Option(names = "--threads", description = "wrk threads (default ${DEFAULT-VALUE}).", defaultValue = "2")
    int threads;

    @Option(names = "--warmup", description = "Minimum warm-up before measuring, e.g. 30s; 0s for none (default ${DEFAULT-VALUE}). "
        + "The warm-up goes on in 10 s slices until the JIT compiler used under 5 % of the collector's CPU in a slice "
        + "(or --warmup-max): on a busy 2-core machine C2 was still compiling after 60 s.", defaultValue = "30s")
    String warmup;

    @Option(names = "--warmup-max", description = "Longest warm-up (default ${DEFAULT-VALUE}).", defaultValue = "120s")
    String warmupMax;

    @Option(names = "--topic", description = "RUM topic to write to (default: topic.rum or perf.rum).")
    String topic;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with perfstream settings.")
    Path config;

    @Option(names = "--otlp", paramLabel = "traces|metrics", description = "Benchmark the OTLP/HTTP receiver "
        + "(/v1/traces or /v1/metrics, protobuf) instead of beacons.")
    String otlp;

    @Option(names = "--batch", description = "Spans or histogram points per OTLP request (default ${DEFAULT-VALUE}; "
        + "the SDK's batch span processor exports up to 512).", defaultValue = "100")
    int batch;

    /** What one request carries and what to call it. */
    private String unit = "beacons";
    private int perRequest = 1;
    private List<String> scriptArgs = List.of();

    /** Parsed wrk figures. */
    record Result(long requests, long non2xx, double seconds, double requestsPerSecond, String p50, String p90, String p99) {
        double beaconsPerSecond() {
            return (requests - non2xx) / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = new HashMap<>();
        o.put("collector.port", "0");
        o.put("collector.host", "127.0.0.1");
        o.put("collector.ratelimit.per.second", "1000000000");
        o.put("collector.ratelimit.burst", "1000000000");
        if (bootstrap != null) {
            o.put("kafka.bootstrap.servers", bootstrap);
        }
        if (topic != null) {
            o.put("topic.rum", topic);
        }
        Path script = Files.createTempFile("perfstream-bench", ".lua");
        Path body = null;
        String lua = "bench-beacons.lua";
        if (otlp != null) {
            if (!otlp.equals("traces") && !otlp.equals("metrics")) {
                System.err.println("--otlp takes traces or metrics, not " + otlp);
                return 2;
            }
            if (batch < 1 || batch > 100_000) {
                System.err.println("--batch must be 1..100000, not " + batch);
                return 2;
            }
            o.put("collector.api.keys", "bench-key");
            long now = System.currentTimeMillis() * 1_000_000L;
            body = Files.createTempFile("perfstream-bench-otlp", ".pb");
            Files.write(body, otlp.equals("traces") ? OtlpBenchBodies.traces(batch, now, 1) : OtlpBenchBodies.metrics(batch, now, 1));
            lua = "bench-otlp.lua";
            unit = otlp.equals("traces") ? "spans" : "histogram points";
            perRequest = batch;
            scriptArgs = List.of(body.toString(), "/v1/" + otlp, "bench-key");
        }
        try (InputStream in = CollectorBenchCommand.class.getResourceAsStream(lua)) {
            Files.write(script, in.readAllBytes());
        }
        try (CollectorApp app = CollectorApp.start(Settings.load(config, System.getenv(), o))) {
            if (!app.ready()) {
                System.err.println("Kafka is not reachable or the RUM topic is missing; start Kafka first (deploy/perfstream) "
                    + "or pass --bootstrap");
                return 2;
            }
            String url = "http://127.0.0.1:" + app.port();
            System.out.printf(Locale.ROOT, "bench collector: %s, wrk -t%d -c%d, load average before: %s%n", url, threads,
                connections, loadavg());
            warmUp(url, script);
            System.out.println("bench collector: measuring " + duration);
            long cpu0 = processCpuNanos();
            Map<String, Long> threads0 = ThreadCpu.snapshot();
            String out = wrk(url, script, duration);
            long cpu = processCpuNanos() - cpu0;
            Map<String, Long> byRole = ThreadCpu.delta(threads0, ThreadCpu.snapshot());
            Result r = parse(out);
            System.out.print(out);
            System.out.printf(Locale.ROOT, "%nbench collector: %.0f %s/s accepted (%d requests, %d non-2xx, %s each), "
                + "latency p50 %s, p90 %s, p99 %s; load average after: %s%n", r.beaconsPerSecond() * perRequest, unit,
                r.requests(), r.non2xx(), otlp == null ? "5 vitals" : perRequest + " " + unit, r.p50(), r.p90(), r.p99(), loadavg());
            // CPU the collector's JVM spent per beacon (HTTP, parsing, encoding, producer I/O thread, GC): unlike beacons/s
            // it hardly depends on what else runs on the machine, so it compares runs taken under different load.
            if (cpu > 0 && r.requests() > 0) {
                String one = otlp == null ? "beacon" : otlp.equals("traces") ? "span" : "point";
                System.out.printf(Locale.ROOT, "bench collector: collector CPU %.1f us per %s (%.0f %s/s per core of "
                    + "collector CPU; wrk and the broker need their own)%n", cpu / 1e3 / r.requests() / perRequest, one,
                    r.requests() * perRequest * 1e9 / cpu, unit);
                if (!byRole.isEmpty()) { // jit > 0 means the warm-up was too short for this machine's load
                    StringBuilder b = new StringBuilder("bench collector: of which, per " + one + ":");
                    byRole.forEach((role, ns) -> b.append(String.format(Locale.ROOT, " %s %.1f us,", role,
                        ns / 1e3 / r.requests() / perRequest)));
                    System.out.println(b.substring(0, b.length() - 1));
                }
            }
            if (r.non2xx() > 0) { // say which answers they were (e.g. 503 when the Kafka buffer was full)
                new String(app.metrics().scrape(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("perfstream_collector_requests_total") || l.startsWith("perfstream_collector_rejects_total")
                        || l.startsWith("perfstream_collector_send_failures_total"))
                    .forEach(l -> System.out.println("bench collector: " + l));
            }
            return r.non2xx() == 0 ? 0 : 1;
        } finally {
            Files.deleteIfExists(script);
            if (body != null) {
                Files.deleteIfExists(body);
            }
        }
    }

    /** Warm-up slices until the JIT is (nearly) done: measuring while C2 compiles reports start-up, not the sustained rate. */
    private void warmUp(String url, Path script) throws IOException, InterruptedException {
        long min = seconds(warmup);
        long max = Math.max(min, seconds(warmupMax));
        if (min == 0) {
            return;
        }
        for (long done = 0; done < max; ) {
            long slice = Math.min(10, max - done);
            Map<String, Long> t0 = ThreadCpu.snapshot();
            wrk(url, script, slice + "s");
            done += slice;
            Map<String, Long> d = ThreadCpu.delta(t0, ThreadCpu.snapshot());
            long all = d.values().stream().mapToLong(Long::longValue).sum();
            double jit = all > 0 ? d.getOrDefault("jit", 0L) / (double) all : 0;
            System.out.printf(Locale.ROOT, "bench collector: warm-up %d s, JIT compiler %.0f %% of the collector's CPU in the last %d s%n",
                done, 100 * jit, slice);
            if (done >= min && (jit < 0.05 || d.isEmpty())) {
                return;
            }
        }
        System.out.println("bench collector: the JIT is still compiling after --warmup-max " + warmupMax
            + " (busy machine?); the figures below include it (see 'jit' in the CPU line)");
    }

    /** Seconds of a wrk-style duration: 30s, 2m, 1h (a bare number is seconds). */
    static long seconds(String d) {
        Matcher m = Pattern.compile("(\\d+)([smh]?)").matcher(d.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration like 30s, 2m or 1h: " + d);
        }
        long n = Long.parseLong(m.group(1));
        return "m".equals(m.group(2)) ? n * 60 : "h".equals(m.group(2)) ? n * 3600 : n;
    }

    private String wrk(String url, Path script, String d) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + d, "--latency",
            "-s", script.toString(), url));
        if (!scriptArgs.isEmpty()) {
            cmd.add("--");
            cmd.addAll(scriptArgs);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("wrk failed (is the Debian package 'wrk' installed?):\n" + out);
        }
        return out;
    }

    static Result parse(String wrk) {
        Matcher m = Pattern.compile("(\\d+) requests in ([\\d.]+)(ms|s|m)").matcher(wrk);
        if (!m.find()) {
            throw new IllegalArgumentException("cannot read wrk output:\n" + wrk);
        }
        long requests = Long.parseLong(m.group(1));
        double secs = Double.parseDouble(m.group(2)) * ("ms".equals(m.group(3)) ? 0.001 : "m".equals(m.group(3)) ? 60 : 1);
        Matcher bad = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(wrk);
        long non2xx = bad.find() ? Long.parseLong(bad.group(1)) : 0;
        Matcher rps = Pattern.compile("Requests/sec:\\s+([\\d.]+)").matcher(wrk);
        double perSec = rps.find() ? Double.parseDouble(rps.group(1)) : requests / secs;
        return new Result(requests, non2xx, secs, perSec, pct(wrk, "50%"), pct(wrk, "90%"), pct(wrk, "99%"));
    }

    private static String pct(String wrk, String p) {
        Matcher m = Pattern.compile("^\\s+" + Pattern.quote(p) + "\\s+(\\S+)", Pattern.MULTILINE).matcher(wrk);
        return m.find() ? m.group(1) : "?";
    }

    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    private static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
