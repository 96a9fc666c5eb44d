package dev.perfstream.streams.stats;

import dev.perfstream.streams.release.ReleaseConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the per-version series: at most {@code max} versions per service at once. A version seen again
 * keeps its place; a new one takes a free place, or the place of a version idle for {@code idleMs} of event
 * time (old versions age out); otherwise its events are folded into {@link ReleaseConfig#FOLDED}, which
 * the output names as such. One instance per stream task, like the route guard, and not persisted: after a
 * restart the places are taken again by the versions that send events first.
 */
final class VersionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(VersionGuard.class);
    private final int max;
    /** Services that had a version folded, warned about once each. */
    private final Set<String> warned = new HashSet<>();
    private final long idleMs;
    /** Per service: version to the largest event time seen for it. */
    private final Map<String, Map<String, Long>> versions = new HashMap<>();

    VersionGuard(int max, long idleMs) {
        this.max = max;
        this.idleMs = idleMs;
    }

    /** @return {@code version}, or {@link ReleaseConfig#FOLDED} when the service has no place for it */
    String admit(String service, String version, long eventTime) {
        Map<String, Long> seen = versions.computeIfAbsent(service, s -> new HashMap<>());
        Long last = seen.get(version);
        if (last != null) {
            if (eventTime > last) {
                seen.put(version, eventTime);
            }
            return version;
        }
        if (seen.size() >= max) {
            String oldest = null;
            long oldestAt = Long.MAX_VALUE;
            for (Map.Entry<String, Long> e : seen.entrySet()) {
                if (e.getValue() < oldestAt) {
                    oldest = e.getKey();
                    oldestAt = e.getValue();
                }
            }
            if (eventTime - oldestAt < idleMs) {
                if (warned.add(service)) {
                    LOG.warn("service {} has {} versions taking traffic (release.versions.max): events of version {} and"
                        + " of further new ones go to per-version windows of version {} until one of {} is idle for {} ms",
                        service, max, version, ReleaseConfig.FOLDED, seen.keySet(), idleMs);
                }
                return ReleaseConfig.FOLDED;
            }
            seen.remove(oldest);
        }
        seen.put(version, eventTime);
        return version;
    }
}
