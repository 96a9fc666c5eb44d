package dev.perfstream.streams.impact;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import java.time.Duration;

/**
 * Speed vs conversion in the stats stage ({@code perf.impact}, {@link dev.perfstream.schemas.avro.UxImpact}).
 *
 * @param topic      where the records go ({@code topic.impact})
 * @param window     tumbling event-time window of the sessions (a multiple of the stage's smallest window)
 * @param confidence two-sided level of the intervals
 * @param goalCap    distinct conversion goals per app and task before {@code __overflow__}
 * @param enabled    off: conversions and sessions are not joined (conversion events are still accepted)
 */
public record ImpactConfig(String topic, Duration window, double confidence, int goalCap, boolean enabled) {
    public static final ConfigKey<Boolean> ENABLED = ConfigKey.bool("stats.impact.enabled", true)
        .doc("Conversion rate by LCP / INP bucket per page, goal and window, and the gain of moving the p75 into the"
            + " next bucket (topic.impact)");
    public static final ConfigKey<Duration> WINDOW = ConfigKey.duration("stats.impact.window", Duration.ofHours(1))
        .doc("Window of the sessions and conversions joined for topic.impact (a multiple of the smallest stats.windows)");
    public static final ConfigKey<Double> CONFIDENCE = ConfigKey.decimal("stats.impact.confidence", 0.95, 0.5, 0.999)
        .doc("Two-sided confidence level of the conversion-gain intervals");
    public static final ConfigKey<Integer> GOAL_CAP = ConfigKey.integer("stats.impact.goals.cap", 20, 1, 1000)
        .doc("Distinct conversion goals per app; later ones fold into __overflow__");

    public static final ImpactConfig DEFAULT = new ImpactConfig(TopicKeys.IMPACT.defaultValue(), Duration.ofHours(1), 0.95,
        20, true);

    /**
     * Reads every key, reports all problems at once ({@link Settings#throwIfInvalid}).
     *
     * @param smallestWindow the stats stage's smallest window, which the impact window must be a multiple of
     */
    public static ImpactConfig from(Settings s, Duration smallestWindow) {
        ImpactConfig c = new ImpactConfig(s.get(TopicKeys.IMPACT), s.get(WINDOW), s.get(CONFIDENCE), s.get(GOAL_CAP),
            s.get(ENABLED));
        if (c.window.isZero() || c.window.isNegative() || c.window.toMillis() % smallestWindow.toMillis() != 0) {
            s.problem(WINDOW.name() + ": " + c.window + " must be a positive multiple of the smallest stats window ("
                + smallestWindow + ")");
        }
        s.throwIfInvalid("stats");
        return c;
    }

    public ImpactConfig disabled() {
        return new ImpactConfig(topic, window, confidence, goalCap, false);
    }
}
