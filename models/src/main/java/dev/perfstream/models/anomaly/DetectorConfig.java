package dev.perfstream.models.anomaly;

import dev.perfstream.schemas.config.Settings;

/**
 * Tuning of {@link SeriesDetector}. Counts are in observations (windows); spans that depend on the time of
 * day follow from the series' own step. The defaults were chosen on the development seeds of {@code
 * perfstream eval anomalies --corpus} and on the load generator's series (see models/README.md).
 *
 * @param warmup        residuals needed before a score may exceed 0.5 (cold start scores conservatively)
 * @param pAlert        tail probability of a residual, against the series' own recent residuals, that maps
 *                      to score 0.9 (the default alert threshold): on a calm series about this share of points
 *                      scores 0.9 or more
 * @param pHalf         tail probability that maps to score 0.5; below it a value counts as anomalous and is
 *                      kept out of the history the model learns from
 * @param shiftRun      anomalous values on the same side (with no value on the other side between them)
 *                      after which the detector accepts a new level (alert, then adapt)
 * @param relativeFloor the noise scale is never below this fraction of the level
 * @param scaleFloor    the noise scale is never below this fraction of the series' own spread (mean absolute
 *                      deviation from its long-run mean), so noise-free and flat series keep a scale
 * @param residualWindow out-of-sample residuals kept for the robust noise scale (median/MAD)
 * @param tailWindow    standardised residuals kept for the tail probability ({@link TailCalibration})
 * @param tailGrowth    largest hazard growth exponent of the fitted tail beyond the residuals' 98th percentile
 *                      where they are light-tailed: 1 keeps an exponential tail there (conservative: Gaussian noise
 *                      then needs |z| of about 6.2 for p = 1e-5), 2 lets it thin as the body's own quantiles show
 *                      (about 5); see {@link TailCalibration}
 * @param firstTrain    training rows needed for the first Tribuo model
 * @param retrainEvery  observations between retrainings
 * @param trainRows     most recent training rows kept (and used) for a retraining
 * @param seed          SGD seed
 */
public record DetectorConfig(int warmup, double pAlert, double pHalf, int shiftRun, double relativeFloor,
                             double scaleFloor, int residualWindow, int tailWindow, double tailGrowth, int firstTrain,
                             int retrainEvery, int trainRows, long seed) {
    public DetectorConfig {
        if (warmup < 1 || shiftRun < 2 || residualWindow < 8 || tailWindow < 64 || firstTrain < 16
            || trainRows < firstTrain || retrainEvery < 1 || !(pAlert > 0) || !(pHalf > pAlert) || !(pHalf < 1)
            || !(relativeFloor >= 0) || !(scaleFloor >= 0) || !(tailGrowth >= 1 && tailGrowth <= 3)) {
            throw new IllegalArgumentException("invalid detector config " + toString());
        }
    }

    /** Defaults. */
    public static DetectorConfig defaults() {
        return new DetectorConfig(60, 1e-5, 0.01, 6, 0.01, 0.02, 256, 1024, 1, 120, 1440, 240, 42L);
    }

    /** From settings keys {@code anomaly.*} (see models/README.md), defaults otherwise. */
    public static DetectorConfig from(Settings s) {
        DetectorConfig d = defaults();
        double pAlert = s.decimal("anomaly.p.alert", d.pAlert, 1e-12, 0.5);
        double pHalf = s.decimal("anomaly.p.half", d.pHalf, 1e-11, 0.9);
        if (!(pHalf > pAlert)) {
            s.problem("anomaly.p.half (" + pHalf + ") must be above anomaly.p.alert (" + pAlert + ")");
            pAlert = d.pAlert;
            pHalf = d.pHalf;
        }
        return new DetectorConfig(
            s.integer("anomaly.warmup", d.warmup, 1, 100_000),
            pAlert,
            pHalf,
            s.integer("anomaly.shift.run", d.shiftRun, 2, 10_000),
            s.decimal("anomaly.relative.floor", d.relativeFloor, 0, 1),
            s.decimal("anomaly.scale.floor", d.scaleFloor, 0, 1),
            s.integer("anomaly.residual.window", d.residualWindow, 8, 100_000),
            s.integer("anomaly.tail.window", d.tailWindow, 64, 100_000),
            s.decimal("anomaly.tail.growth", d.tailGrowth, 1, 3),
            s.integer("anomaly.train.first", d.firstTrain, 16, 1_000_000),
            s.integer("anomaly.train.every", d.retrainEvery, 1, 10_000_000),
            s.integer("anomaly.train.rows", d.trainRows, 16, 1_000_000),
            d.seed);
    }

    /**
     * Maps a tail probability to a score in 0..1 through u = -log10 p: 1 - 2^-((u / uHalf)^g), 0 at p = 1,
     * 0.5 at {@link #pHalf}, 0.9 at {@link #pAlert} (g chosen for that), towards 1 as p falls.
     */
    public double score(double p) {
        double u = -Math.log10(Math.min(1, Math.max(p, 1e-300)));
        double uHalf = -Math.log10(pHalf);
        double g = Math.log(Math.log(10) / Math.log(2)) / Math.log(-Math.log10(pAlert) / uHalf);
        return 1 - Math.pow(2, -Math.pow(u / uHalf, g));
    }

    /** The score at {@link #pAlert}: 0.9. */
    public double alertScore() {
        return score(pAlert);
    }
}
