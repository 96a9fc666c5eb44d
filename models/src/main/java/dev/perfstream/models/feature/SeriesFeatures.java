package dev.perfstream.models.feature;

/**
 * The feature vector the per-series models see. Every value is unit-free: recent values enter as
 * deviations from the series' robust level divided by its robust noise scale, so one model shape fits
 * latencies in ms, error rates in 0..1 and throughputs in req/s alike. Seasonal position enters as
 * cyclic (sin, cos) pairs of hour-of-day and day-of-week, so 23:59 is next to 00:00.
 */
public final class SeriesFeatures {
    /** Feature names, in the order of {@link #fill}. */
    public static final String[] NAMES = {
        "lag1", "lag2", "lag3", "recent_mean", "hod_sin", "hod_cos", "dow_sin", "dow_cos"};
    /** Number of features. */
    public static final int COUNT = NAMES.length;
    /** Deviations are clipped to +-this many noise scales, so one outlier cannot dominate a linear model. */
    public static final double CLIP = 10.0;

    private static final long DAY_MS = 86_400_000L;
    private static final long WEEK_MS = 7 * DAY_MS;
    private static final double TWO_PI = 2 * Math.PI;

    private SeriesFeatures() {
    }

    /**
     * @param out        receives {@link #COUNT} values
     * @param recent     recent (cleaned) values, newest at {@code recent[(pos - 1) mod len]}
     * @param pos        write position of the ring {@code recent}
     * @param available  how many entries of the ring hold values
     * @param level      robust level the deviations are taken from
     * @param scale      robust noise scale (> 0)
     * @param timeMillis the time being predicted (epoch ms, UTC)
     */
    public static void fill(double[] out, double[] recent, int pos, int available, double level, double scale,
                            long timeMillis) {
        int len = recent.length;
        double sum = 0;
        int n = Math.min(available, len);
        for (int k = 1; k <= n; k++) {
            double d = clip((recent[Math.floorMod(pos - k, len)] - level) / scale);
            if (k <= 3) {
                out[k - 1] = d;
            }
            sum += d;
        }
        for (int k = n + 1; k <= 3; k++) {
            out[k - 1] = 0;
        }
        out[3] = n == 0 ? 0 : sum / n;
        double day = (double) Math.floorMod(timeMillis, DAY_MS) / DAY_MS;
        // Epoch day 0 was a Thursday; the phase offset does not matter for a cyclic encoding.
        double week = (double) Math.floorMod(timeMillis, WEEK_MS) / WEEK_MS;
        out[4] = Math.sin(TWO_PI * day);
        out[5] = Math.cos(TWO_PI * day);
        out[6] = Math.sin(TWO_PI * week);
        out[7] = Math.cos(TWO_PI * week);
    }

    /** Clips a standardised deviation to +-{@link #CLIP}; NaN becomes 0. */
    public static double clip(double z) {
        if (Double.isNaN(z)) {
            return 0;
        }
        return Math.max(-CLIP, Math.min(CLIP, z));
    }
}
