package dev.perfstream.streams.stats;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;

/**
 * RUM stats by attribution in the stats stage ({@code perf.rum.elements},
 * {@link dev.perfstream.schemas.avro.RumElementStats}): per app, page, vital, device class and window, one row per
 * LCP element, INP target, CLS shift target and INP script ({@link RumAttributes}).
 *
 * @param topic   where the rows go ({@code topic.rum.elements})
 * @param cap     distinct elements (and, separately, scripts) per app, page and vital before {@code __overflow__}
 * @param enabled off: the attribution fields are ignored by the stats stage ({@code stats.rum.elements.enabled}, or
 *                the stage could not create a missing output topic)
 */
public record RumElementsConfig(String topic, int cap, boolean enabled) {
    public static final ConfigKey<Boolean> ENABLED = ConfigKey.bool("stats.rum.elements.enabled", true)
        .doc("RUM stats per LCP / INP / CLS element and INP script, page and window (topic.rum.elements)");
    public static final ConfigKey<Integer> CAP = ConfigKey.integer("stats.rum.elements.cap", 20, 1, 1000)
        .doc("Distinct elements (and, separately, scripts) per app, page and vital; later ones fold into the"
            + " __overflow__ row");

    public static final RumElementsConfig DEFAULT = new RumElementsConfig(TopicKeys.RUM_ELEMENTS.defaultValue(), 20, true);

    /** Reads every key, reports all problems at once ({@link Settings#throwIfInvalid}). */
    public static RumElementsConfig from(Settings s) {
        RumElementsConfig c = new RumElementsConfig(s.get(TopicKeys.RUM_ELEMENTS), s.get(CAP), s.get(ENABLED));
        s.throwIfInvalid("stats");
        return c;
    }

    public RumElementsConfig disabled() {
        return new RumElementsConfig(topic, cap, false);
    }
}
