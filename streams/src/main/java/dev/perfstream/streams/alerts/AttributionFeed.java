package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;

/**
 * The perf.queries and perf.cache views ({@link DerivedStats}) that travel with the perf.stats windows through the
 * alerts stage's repartition by service, so that bottleneck attribution sees a service's statements and caches in the
 * same task as its routes. They are marked by a device class (a RUM-only field, never set on a metric window of the
 * stats stage) and feed the attribution history only: their rules run in their own sub-topology.
 */
final class AttributionFeed {
    static final String MARK = "perfstream.attribution.view";

    private AttributionFeed() {
    }

    static WindowStats mark(WindowStats view) {
        return WindowStats.newBuilder(view).setDeviceClass(MARK).build();
    }

    static boolean isView(WindowStats s) {
        return s.getKind() == SeriesKind.METRIC && MARK.equals(s.getDeviceClass());
    }
}
