package dev.perfstream.ingest.loadgen;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Configuration of the load generator.
 *
 * @param rate            events per wall-clock second written to Kafka (per simulated second when unpaced)
 * @param duration        wall-clock run time; the simulated span when unpaced ({@code speedup = 0})
 * @param speedup         simulated seconds per wall-clock second; 0 = as fast as possible
 * @param start           simulated start; null = the simulated window ends at the wall-clock end of the run
 * @param incidentsFile   where the incidents are written as JSON lines; null = not written
 * @param incidentScript  incidents to use instead of the scripted ones; null = {@link LoadGenerator#scriptedIncidents}
 * @param incidents       false = no incidents at all
 * @param profile         traffic numbers: {@code standard} (the evaluations' traffic) or {@code demo} (healthy: the
 *                        default KPIs hold between incidents)
 * @param incidentsFirst  with {@code incidentsEvery}: the first recurring incident this long after the start
 * @param incidentsEvery  recurring incidents instead of the four scripted ones; null = scripted
 */
public record LoadgenConfig(String bootstrapServers, String metricsTopic, String rumTopic, double rate,
                            Duration duration, double speedup, long seed, Instant start, Path incidentsFile,
                            Path incidentScript, boolean incidents, String profile, Duration incidentsFirst,
                            Duration incidentsEvery) {
    /** The validator of the stats stage accepts events up to 7 days old; stay clear of it. */
    static final Duration MAX_PAST = Duration.ofDays(6);

    public static LoadgenConfig from(Settings s) {
        Instant start = null;
        String startRaw = s.string("loadgen.start", null);
        if (startRaw != null) {
            try {
                start = Instant.parse(startRaw);
            } catch (DateTimeParseException e) {
                s.problem("loadgen.start: \"" + startRaw + "\" is not an ISO-8601 instant like 2026-11-26T00:00:00Z");
            }
        }
        String incFile = s.string("loadgen.incidents.file", null);
        String script = s.string("loadgen.incidents.script", null);
        LoadgenConfig c = new LoadgenConfig(
            s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
            s.string("topic.metrics", Topics.METRICS),
            s.string("topic.rum", Topics.RUM),
            s.decimal("loadgen.rate", 200, 0.001, 1_000_000),
            s.duration("loadgen.duration", Duration.ofMinutes(10)),
            s.decimal("loadgen.speedup", 1, 0, 1_000_000),
            s.longValue("loadgen.seed", 42, Long.MIN_VALUE, Long.MAX_VALUE),
            start,
            incFile == null ? null : Path.of(incFile),
            script == null ? null : Path.of(script),
            s.bool("loadgen.incidents.enabled", true),
            s.string("loadgen.profile", "standard"),
            s.duration("loadgen.incidents.first", Duration.ofMinutes(4)),
            s.string("loadgen.incidents.every", null) == null ? null : s.duration("loadgen.incidents.every", null));
        if (!c.profile.equals("standard") && !c.profile.equals("demo")) {
            s.problem("loadgen.profile: \"" + c.profile + "\" is neither standard nor demo");
        }
        if (c.incidentsEvery != null && (c.incidentsEvery.isZero() || c.incidentsEvery.isNegative())) {
            s.problem("loadgen.incidents.every: must be positive, got " + c.incidentsEvery);
        }
        if (c.duration.isZero() || c.duration.isNegative()) {
            s.problem("loadgen.duration: must be positive, got " + c.duration);
        }
        if (start == null && c.simulatedSpan().compareTo(MAX_PAST) > 0) {
            s.problem("loadgen.duration x loadgen.speedup: the simulated window (" + c.simulatedSpan()
                + ") ends now and would start more than " + MAX_PAST.toDays()
                + " days in the past, which the stats stage rejects; shorten the duration or the speedup");
        }
        s.throwIfInvalid("loadgen");
        return c;
    }

    /** The traffic model of {@link #profile}. */
    public TrafficModel model() {
        return "demo".equals(profile) ? TrafficModel.demo() : TrafficModel.standard();
    }

    public boolean paced() {
        return speedup > 0;
    }

    /** Length of the simulated window. */
    public Duration simulatedSpan() {
        return paced() ? Duration.ofMillis((long) (duration.toMillis() * speedup)) : duration;
    }

    /**
     * The simulated window for a run starting at wall-clock {@code now}. Without an explicit start it
     * ends when the run ends ({@code now + duration} paced, {@code now} unpaced), so that simulated
     * time never runs ahead of the wall clock: at wall time {@code now + x} the simulated time is
     * {@code now + duration - span + x * speedup <= now + x}.
     */
    public Instant[] window(Instant now) {
        Duration span = simulatedSpan();
        if (start != null) {
            return new Instant[] {start, start.plus(span)};
        }
        Instant end = paced() ? now.plus(duration) : now;
        return new Instant[] {end.minus(span), end};
    }

    /** Events per simulated second for the model. */
    public double simulatedRate() {
        return paced() ? rate / speedup : rate;
    }
}
