package dev.perfstream.models.forecast;

/**
 * A level relative to a profile: a factor ({@code multiplicative}) or a difference (where a value is not
 * positive). {@link #NONE}: no adjustment, or none could be computed.
 */
record Adjustment(boolean multiplicative, double value) {
    static final Adjustment NONE = new Adjustment(false, 0);

    double apply(double p) {
        return multiplicative ? p * value : p + value;
    }
}
