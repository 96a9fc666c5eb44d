package dev.perfstream.streams.alerts.rule;

import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesKey;
import java.time.Duration;
import java.util.Map;

/**
 * A dead man's switch: fires when no window of any series the selector matches has come from a
 * service (app) for {@code after} of wall-clock time, and resolves when one comes again. One alert
 * per service, whatever its routes, pages or metrics.
 *
 * @param after   silence that fires it (the stats stage emits a window at most window + grace +
 *                stats.idle.close after its end, so keep this well above that)
 * @param line    line in its file (1-based), for messages
 * @param version content hash
 */
public record Deadman(String id, Selector selector, Duration after, Severity severity, String playbook,
                      Map<String, String> labels, int line, String version) {

    public boolean appliesTo(WindowStats s) {
        return selector.matches(s);
    }

    /** The alert's series: the service (or app) that must keep sending. */
    public static String series(WindowStats s) {
        return SeriesKey.service(s.getService()).display();
    }
}
