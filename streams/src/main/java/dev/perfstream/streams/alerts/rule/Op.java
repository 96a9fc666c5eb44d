package dev.perfstream.streams.alerts.rule;

import java.util.Optional;

/**
 * A rule's comparator: the condition that is a breach. With a resolve threshold (hysteresis) the
 * alert clears only once the value no longer satisfies {@code op} against the resolve threshold.
 * NaN never satisfies a comparison and is filtered out before this is called.
 */
public enum Op {
    GT(">"), GE(">="), LT("<"), LE("<=");

    private final String symbol;

    Op(String symbol) {
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }

    public boolean test(double value, double threshold) {
        switch (this) {
            case GT: return value > threshold;
            case GE: return value >= threshold;
            case LT: return value < threshold;
            default: return value <= threshold;
        }
    }

    /** True for "above is bad" comparators; their resolve threshold must not exceed the threshold. */
    public boolean upward() {
        return this == GT || this == GE;
    }

    public static Optional<Op> parse(String s) {
        String t = s.trim();
        for (Op op : values()) {
            if (op.symbol.equals(t) || op.name().equalsIgnoreCase(t)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
