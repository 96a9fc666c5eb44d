package dev.perfstream.ingest.loadgen;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Configuration of the load generator.
 *
 * @param rate            events per wall-clock second written to Kafka (per simulated second when unpaced)
 * @param duration        wall-clock run time; the simulated span when unpaced ({@code speedup = 0})
 * @param speedup         simulated seconds per wall-clock second; 0 = as fast as possible
 * @param start           simulated start; null = the simulated window ends at the wall-clock end of the run
 * @param incidentsFile   where the incidents are written as JSON lines; null = not written
 * @param incidentScript  incidents to use instead of the scripted ones; null = {@link IncidentSchedules#scripted}
 * @param incidents       false = no incidents at all
 * @param profile         traffic numbers: {@code standard} (the evaluations' traffic) or {@code demo} (healthy: the
 *                        default KPIs hold between incidents)
 * @param incidentsFirst  with {@code incidentsEvery}: the first recurring incident this long after the start
 * @param incidentsEvery  recurring incidents instead of the four scripted ones; null = scripted
 * @param conversion      where and how sessions convert (the truth of the impact estimate); null = no conversions
 */
public record LoadgenConfig(String bootstrapServers, String metricsTopic, String rumTopic, double rate,
                            Duration duration, double speedup, long seed, Instant start, Path incidentsFile,
                            Path incidentScript, boolean incidents, String profile, Duration incidentsFirst,
                            Duration incidentsEvery, ConversionModel conversion) {
    /** The validator of the stats stage accepts events up to 7 days old; stay clear of it. */
    static final Duration MAX_PAST = Duration.ofDays(6);

    public static final ConfigKey<Double> RATE = ConfigKey.decimal("loadgen.rate", 200, 0.001, 1_000_000)
        .unit("events/s").doc("Events per second (metrics and RUM together)");
    public static final ConfigKey<Duration> DURATION = ConfigKey.duration("loadgen.duration", Duration.ofMinutes(10))
        .check(d -> !d.isZero() && !d.isNegative(), "must be positive").doc("Run time (the demo uses 24h)");
    public static final ConfigKey<Double> SPEEDUP = ConfigKey.decimal("loadgen.speedup", 1, 0, 1_000_000)
        .doc("Simulated seconds per wall-clock second; 0 = as fast as possible");
    public static final ConfigKey<Long> SEED = ConfigKey.longValue("loadgen.seed", 42, Long.MIN_VALUE, Long.MAX_VALUE)
        .doc("Random seed: the same seed, window and incidents give the same events");
    public static final ConfigKey<String> START = ConfigKey.string("loadgen.start", null)
        .defaultText("the simulated window ends at the end of the run")
        .doc("Simulated start, an ISO-8601 instant like 2026-11-26T00:00:00Z");
    public static final ConfigKey<Boolean> INCIDENTS_ENABLED = ConfigKey.bool("loadgen.incidents.enabled", true)
        .doc("false = no incidents at all");
    public static final ConfigKey<String> INCIDENTS_FILE = ConfigKey.string("loadgen.incidents.file", null)
        .doc("Where each scripted incident's kind, series, start and end are written as JSON lines (the demo writes "
            + ".perfstream/incidents.jsonl)");
    public static final ConfigKey<String> INCIDENTS_SCRIPT = ConfigKey.string("loadgen.incidents.script", null)
        .doc("JSON lines of incidents to use instead of the scripted ones");
    public static final ConfigKey<String> PROFILE = ConfigKey.string("loadgen.profile", "standard").oneOf("standard", "demo")
        .doc("Traffic numbers: standard (the evaluations' traffic, slower routes, more errors) or demo (healthy: the default"
            + " KPIs hold between incidents; the demo sets it)");
    public static final ConfigKey<Duration> INCIDENTS_FIRST = ConfigKey.duration("loadgen.incidents.first",
        Duration.ofMinutes(4)).doc("With loadgen.incidents.every: the first recurring incident this long after the start");
    public static final ConfigKey<Duration> INCIDENTS_EVERY = ConfigKey.duration("loadgen.incidents.every", null)
        .defaultText("unset: four scripted incidents spread over the run")
        .check(d -> d == null || !d.isZero() && !d.isNegative(), "must be positive")
        .doc("Recurring incidents, one every this long (5 minutes each), instead of the scripted ones (the demo: 20m)");

    public static final ConfigKey<Boolean> CONVERSION_ENABLED = ConfigKey.bool("loadgen.conversion.enabled", true)
        .doc("Sessions on loadgen.conversion.page convert (goal loadgen.conversion.goal) with a probability set by their LCP"
            + " bucket; the truth is written to the incidents file as a CONVERSION_MODEL line");
    public static final ConfigKey<String> CONVERSION_PAGE = ConfigKey.string("loadgen.conversion.page", "/checkout")
        .doc("The page of app shop-web whose sessions convert");
    public static final ConfigKey<String> CONVERSION_GOAL = ConfigKey.string("loadgen.conversion.goal", "checkout")
        .doc("The goal of their conversions");
    public static final ConfigKey<List<String>> CONVERSION_RATES = ConfigKey.list("loadgen.conversion.rates",
        List.of("0.06", "0.045", "0.03"))
        .doc("Conversion probability of a session by its LCP bucket on the page: good, needs-improvement, poor (the true"
            + " effect the impact estimate is checked against)");
    public static final ConfigKey<String> FORMAT = ConfigKey.string("loadgen.format", "perfstream").oneOf("perfstream", "otlp")
        .doc("perfstream: metric events on topic.metrics as perfstream's MetricEvent; otlp: as an OpenTelemetry-instrumented "
            + "service sends them (request latencies as SERVER spans, the rest as gauges), in otlp_proto batches without a "
            + "key on otlp.topic.spans / otlp.topic.metrics, as the Collector's Kafka exporter writes them (run the otlp "
            + "stage; the demo does). RUM events go to topic.rum either way");

    public static LoadgenConfig from(Settings s) {
        Instant start = null;
        String startRaw = s.get(START);
        if (startRaw != null) {
            try {
                start = Instant.parse(startRaw);
            } catch (DateTimeParseException e) {
                s.problem("loadgen.start: \"" + startRaw + "\" is not an ISO-8601 instant like 2026-11-26T00:00:00Z");
            }
        }
        String incFile = s.get(INCIDENTS_FILE);
        String script = s.get(INCIDENTS_SCRIPT);
        LoadgenConfig c = new LoadgenConfig(
            s.get(KafkaClients.BOOTSTRAP_SERVERS),
            s.get(TopicKeys.METRICS),
            s.get(TopicKeys.RUM),
            s.get(RATE),
            s.get(DURATION),
            s.get(SPEEDUP),
            s.get(SEED),
            start,
            incFile == null ? null : Path.of(incFile),
            script == null ? null : Path.of(script),
            s.get(INCIDENTS_ENABLED),
            s.get(PROFILE),
            s.get(INCIDENTS_FIRST),
            s.get(INCIDENTS_EVERY),
            conversion(s));
        if (start == null && c.simulatedSpan().compareTo(MAX_PAST) > 0) {
            s.problem("loadgen.duration x loadgen.speedup: the simulated window (" + c.simulatedSpan()
                + ") ends now and would start more than " + MAX_PAST.toDays()
                + " days in the past, which the stats stage rejects; shorten the duration or the speedup");
        }
        s.throwIfInvalid("loadgen");
        return c;
    }

    private static ConversionModel conversion(Settings s) {
        if (!s.get(CONVERSION_ENABLED)) {
            return null;
        }
        List<String> raw = s.get(CONVERSION_RATES);
        double[] rates = new double[raw.size()];
        try {
            for (int i = 0; i < rates.length; i++) {
                rates[i] = Double.parseDouble(raw.get(i).trim());
            }
            return new ConversionModel(ConversionModel.CHECKOUT.app(), s.get(CONVERSION_PAGE), s.get(CONVERSION_GOAL), rates);
        } catch (IllegalArgumentException e) {
            s.problem(CONVERSION_RATES.name() + ": " + raw + ": three probabilities (good, needs-improvement, poor) in"
                + " 0..1 are needed (" + e.getMessage() + ")");
            return null;
        }
    }

    /** The traffic model of {@link #profile}, with the configured conversions. */
    public TrafficModel model() {
        return ("demo".equals(profile) ? TrafficModel.demo() : TrafficModel.standard()).withConversion(conversion);
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
