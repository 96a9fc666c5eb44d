package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.schemas.validate.CardinalityGuard;

/**
 * The stage's own RUM attribution series: the events of a RUM series (vital, app, page, device class) split by
 * the LCP element, INP target or CLS shift target ({@code RumEvent.element}) and by the INP script
 * ({@code RumEvent.script}). Kept in the window store like every series (windowed, merged across tasks,
 * changelogged, closed the same way) but never written to {@code perf.stats}: when their windows close,
 * {@link RumElementsAssembler} turns them into {@code RumElementStats}. The vital's own series is unchanged.
 *
 * <p>Their names are {@code @element.LCP}, {@code @script.INP}, ... ({@link SeriesKey#rumAttribute}); the owner part
 * is the app, so a page's attribution series live on the app's owner task with the page's series.
 *
 * <p>The collector sanitises and caps these fields, but a producer writing to {@code perf.rum} directly may send
 * anything, so they are bounded here again ({@link #clean}): printable ASCII without {@code \}, at most
 * {@link #MAX_LENGTH} characters; and at most {@code cap} distinct values per (app, page, vital, dimension), the
 * rest in the {@link CardinalityGuard#OVERFLOW} row. A value that cleans to nothing is ignored like a missing one.
 * Not thread-safe: one per stream task.
 */
final class RumAttributes {
    static final String ELEMENT = "element";
    static final String SCRIPT = "script";
    /** The collector's bound on selectors; longer values keep their end, which names the element. */
    static final int MAX_LENGTH = 160;
    private static final String PREFIX = "RUM|@";

    private final CardinalityGuard guard;

    /** @param cap distinct values per (app, page, vital, dimension) */
    RumAttributes(int cap) {
        this.guard = new CardinalityGuard(cap);
    }

    static boolean isAttribute(String seriesId) {
        return seriesId.startsWith(PREFIX);
    }

    static boolean isAttribute(SeriesKey id) {
        return id.kind() == SeriesKind.RUM && id.attribute() != null;
    }

    /** {@code @element.LCP} -> element. */
    static String dimension(SeriesKey id) {
        return id.name().substring(1, id.name().indexOf('.'));
    }

    /** {@code @element.LCP} -> LCP. */
    static String vital(SeriesKey id) {
        return id.name().substring(id.name().indexOf('.') + 1);
    }

    /** The element series the event also counts in, or null (no element, or a vital without one). */
    SeriesKey element(RumEvent e, Vital vital, String page, String deviceClass, boolean owned) {
        if (vital != Vital.LCP && vital != Vital.INP && vital != Vital.CLS) {
            return null;
        }
        return series(ELEMENT, vital, e.getApp(), page, deviceClass, e.getElement(), owned);
    }

    /** The script series of an INP event, or null. */
    SeriesKey script(RumEvent e, Vital vital, String page, String deviceClass, boolean owned) {
        return vital == Vital.INP ? series(SCRIPT, vital, e.getApp(), page, deviceClass, e.getScript(), owned) : null;
    }

    private SeriesKey series(String dimension, Vital vital, String app, String page, String deviceClass, String raw,
                            boolean owned) {
        String v = clean(raw);
        if (v == null) {
            return null;
        }
        String name = '@' + dimension + '.' + vital.name();
        return SeriesKey.rumAttribute(name, app, page, deviceClass, owned ? guard.admit(capKey(app, page, name), v) : v);
    }

    /** The series a partial from another task is merged into: its page as the owner admitted it, and the cap. */
    SeriesKey admit(SeriesKey id, String page) {
        String v = guard.admit(capKey(id.owner(), page, id.name()), id.attribute());
        return v.equals(id.attribute()) && page.equals(id.route()) ? id
            : SeriesKey.rumAttribute(id.name(), id.owner(), page, id.deviceClass(), v);
    }

    private static String capKey(String app, String page, String name) {
        return app + '|' + page + '|' + name;
    }

    /**
     * The value bounded: a value longer than {@link #MAX_LENGTH} keeps its last characters after {@code ...};
     * whitespace (tabs, newlines) becomes a space, every other character outside printable ASCII, and {@code \}
     * (which would escape the next character in InfluxDB line protocol), becomes {@code ?}; leading and trailing
     * spaces go. Null when absent or nothing is left.
     */
    static String clean(String raw) {
        if (raw == null) {
            return null;
        }
        String s = raw.length() > MAX_LENGTH ? "..." + raw.substring(raw.length() - (MAX_LENGTH - 3)) : raw;
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '\\') {
                if (b == null) {
                    b = new StringBuilder(s.length()).append(s, 0, i);
                }
                b.append(Character.isWhitespace(c) ? ' ' : '?');
            } else if (b != null) {
                b.append(c);
            }
        }
        String out = b == null ? s : b.toString();
        return out.isBlank() ? null : out.strip();
    }
}
