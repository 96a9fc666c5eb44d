package dev.perfstream.models.anomaly;

import dev.perfstream.schemas.config.Settings;

/**
 * Tuning of {@link SeriesDetector}. Counts are in observations (windows), so the same defaults work for
 * any interval; the defaults were chosen on the synthetic labelled series of {@code perfstream eval
 * anomalies} (see models/README.md).
 *
 * @param warmup        residuals needed before a score may exceed 0.5 (cold start scores conservatively)
 * @param zAlert        standardised deviation that maps to score 0.9 (the default alert threshold)
 * @param zHalf         standardised deviation that maps to score 0.5; beyond it a value counts as
 *                      anomalous and is kept out of the history the model learns from
 * @param shiftRun      consecutive anomalous values on the same side after which the detector accepts a
 *                      new level (alert once, then adapt)
 * @param relativeFloor the noise scale is never below this fraction of the level (constant series)
 * @param residualWindow out-of-sample residuals kept for the robust noise scale (median/MAD)
 * @param firstTrain    training rows needed for the first Tribuo model
 * @param retrainEvery  observations between retrainings
 * @param trainRows     most recent training rows kept (and used) for a retraining
 * @param seed          SGD seed
 */
public record DetectorConfig(int warmup, double zAlert, double zHalf, int shiftRun, double relativeFloor,
                             int residualWindow, int firstTrain, int retrainEvery, int trainRows, long seed) {
    public DetectorConfig {
        if (warmup < 1 || shiftRun < 2 || residualWindow < 8 || firstTrain < 16 || trainRows < firstTrain
            || retrainEvery < 1 || !(zAlert > zHalf) || !(zHalf > 0) || !(relativeFloor >= 0)) {
            throw new IllegalArgumentException("invalid detector config " + toString());
        }
    }

    /** Defaults. */
    public static DetectorConfig defaults() {
        return new DetectorConfig(30, 6.0, 4.0, 6, 0.01, 256, 120, 1440, 240, 42L);
    }

    /** From settings keys {@code anomaly.*} (see models/README.md), defaults otherwise. */
    public static DetectorConfig from(Settings s) {
        DetectorConfig d = defaults();
        return new DetectorConfig(
            s.integer("anomaly.warmup", d.warmup, 1, 100_000),
            s.decimal("anomaly.z.alert", d.zAlert, 0.5, 1000),
            s.decimal("anomaly.z.half", d.zHalf, 0.1, 1000),
            s.integer("anomaly.shift.run", d.shiftRun, 2, 10_000),
            s.decimal("anomaly.relative.floor", d.relativeFloor, 0, 1),
            s.integer("anomaly.residual.window", d.residualWindow, 8, 100_000),
            s.integer("anomaly.train.first", d.firstTrain, 16, 1_000_000),
            s.integer("anomaly.train.every", d.retrainEvery, 1, 10_000_000),
            s.integer("anomaly.train.rows", d.trainRows, 16, 1_000_000),
            d.seed);
    }

    /** Maps |z| to a score in 0..1: logistic, 0.5 at {@link #zHalf}, 0.9 at {@link #zAlert}. */
    public double score(double absZ) {
        double k = Math.log(9.0) / (zAlert - zHalf);
        return 1.0 / (1.0 + Math.exp(-k * (absZ - zHalf)));
    }
}
