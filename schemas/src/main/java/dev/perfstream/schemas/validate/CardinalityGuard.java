package dev.perfstream.schemas.validate;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Caps the number of distinct values (routes, pages) per owner (service, app). The first
 * {@code cap} values seen are admitted; later new ones map to {@link #OVERFLOW}, so their events are
 * still counted, in one overflow series, instead of growing state without bound.
 *
 * <p>Not thread-safe: one per stream task. The admitted set is per process, so after a restart the
 * first {@code cap} values seen again are admitted; an approximation that keeps memory bounded.
 */
public final class CardinalityGuard {
    /** The overflow bucket's name. */
    public static final String OVERFLOW = "__overflow__";

    private final int cap;
    private final Map<String, Set<String>> admitted = new HashMap<>();

    public CardinalityGuard(int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("cap must be >= 1, got " + cap);
        }
        this.cap = cap;
    }

    /** @return {@code value} if admitted, else {@link #OVERFLOW} */
    public String admit(String owner, String value) {
        Set<String> seen = admitted.computeIfAbsent(owner, k -> new HashSet<>());
        if (seen.contains(value)) {
            return value;
        }
        if (seen.size() < cap) {
            seen.add(value);
            return value;
        }
        return OVERFLOW;
    }

    public int cap() {
        return cap;
    }
}
