package dev.perfstream.models.forecast;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The 90 % interval of one forecaster: the 5th and 95th percentiles of the last {@value #ERRORS} out-of-sample
 * errors of the issued forecast (in scale units), times a width adapted to the recent share of misses (as
 * adaptive conformal inference does for the level: widened after misses and narrowed after hits, so that about
 * 10 % of recent actuals fall outside even while the errors' spread is changing, after a regime change or on
 * integer counts). Before 50 errors: +-2 x 1.645 scales.
 */
final class ForecastInterval {
    static final int ERRORS = 1000;
    /** Forecast errors are kept (in scale units) up to this: clipping at the features' clip biased the quantiles. */
    private static final double ERR_CLIP = 1e4;
    /** Smallest half-width of the interval, in scale units. */
    private static final double MIN_HALF_WIDTH = 0.01;
    /** Step of the width multiplier per outcome. */
    private static final double WIDEN_RATE = 0.02;
    private static final int MIN_ERRORS = 50;

    private final float[] ring = new float[ERRORS]; // float: as in the state (a round trip changes nothing)
    private final double[] sorted = new double[ERRORS];
    private int n;
    private int pos;
    /** Multiplier of the half-widths, adapted to the recent share of actuals outside the interval. */
    private double widen = 1;

    /**
     * Lower bound around {@code pred} at scale {@code scale}: never narrower than {@value #MIN_HALF_WIDTH} scales
     * (on a noise-free series the errors are 0, and an interval of width 0 misses an actual that differs from the
     * kept, float, history by rounding only).
     */
    double lower(double pred, double scale) {
        return pred + scale * Math.min(-MIN_HALF_WIDTH, widen * quantile(0.05, -1.645));
    }

    /** Upper bound, as {@link #lower}. */
    double upper(double pred, double scale) {
        return pred + scale * Math.max(MIN_HALF_WIDTH, widen * quantile(0.95, 1.645));
    }

    /** The error {@code e} (scale units) of an issued forecast: adapts the width, then joins the ring. */
    void record(double e) {
        boolean miss = n >= MIN_ERRORS && (e < widen * quantile(0.05, -1.645) || e > widen * quantile(0.95, 1.645));
        if (n >= MIN_ERRORS) {
            widen = Math.max(0.5, Math.min(5, widen * Math.exp(WIDEN_RATE * ((miss ? 1 : 0) - 0.1))));
        }
        ring[pos] = (float) Math.max(-ERR_CLIP, Math.min(ERR_CLIP, e));
        pos = (pos + 1) % ring.length;
        n = Math.min(n + 1, ring.length);
    }

    private double quantile(double q, double normalDefault) {
        if (n < MIN_ERRORS) {
            return normalDefault * 2;
        }
        for (int i = 0; i < n; i++) {
            sorted[i] = ring[i];
        }
        Arrays.sort(sorted, 0, n);
        return sorted[(int) Math.min(n - 1, Math.max(0, Math.round(q * (n - 1))))];
    }

    void write(DataOutput out) throws IOException {
        out.writeDouble(widen);
        out.writeInt(n);
        out.writeInt(pos);
        for (int i = 0; i < n; i++) {
            out.writeFloat(ring[i]);
        }
    }

    void read(DataInput in) throws IOException {
        widen = in.readDouble();
        n = in.readInt();
        pos = in.readInt();
        if (n < 0 || n > ring.length || pos < 0 || pos >= ring.length) {
            throw new IOException("bad error ring " + n + "/" + pos);
        }
        for (int i = 0; i < n; i++) {
            ring[i] = in.readFloat();
        }
    }
}
