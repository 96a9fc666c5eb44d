package dev.perfstream.models.anomaly;

import dev.perfstream.schemas.config.Settings;

/**
 * Tuning of {@link MultivariateDetector}. Counts are in vectors (one per service and window).
 *
 * @param capacity     most recent vectors kept for training (1440 = one day of 1-minute windows)
 * @param nu           LibSVM's nu: the share of training vectors allowed outside the boundary
 * @param gamma        RBF kernel width on standardised log dimensions (smaller = smoother boundary)
 * @param firstTrain   vectors before the first model is trained
 * @param retrainEvery vectors between retrainings
 * @param warmup       vectors before a score may exceed 0.5 (cold start: until a full daily cycle was seen,
 *                     the boundary knows only part of the day's traffic levels); until then every vector is
 *                     learned, afterwards vectors scoring 0.5 or more are kept out of the training buffer
 * @param shiftRun     consecutive vectors scoring 0.5 or more after which they are learned anyway (a lasting
 *                     new regime alerts, then becomes normal)
 * @param zHalf        distance below the training decisions' 1st percentile, in spreads, that scores 0.5
 * @param zAlert       distance that scores 0.9
 * @param seed         reserved for trainers that sample (LibSVM's one-class training is deterministic)
 */
public record MultivariateConfig(int capacity, double nu, double gamma, int firstTrain, int retrainEvery, int warmup,
                                 int shiftRun, double zHalf, double zAlert, long seed) {
    public MultivariateConfig {
        if (capacity < 16 || firstTrain < 16 || firstTrain > capacity || retrainEvery < 1 || warmup < 1
            || shiftRun < 1 || !(nu > 0 && nu < 1) || !(gamma > 0) || !(zHalf > 0) || !(zAlert > zHalf)) {
            throw new IllegalArgumentException("invalid multivariate detector config " + this);
        }
    }

    public static MultivariateConfig defaults() {
        return new MultivariateConfig(1440, 0.01, 0.02, 240, 360, 1440, 30, 4.0, 6.0, 42L);
    }

    /** From settings keys {@code multivariate.*} (see models/README.md), defaults otherwise. */
    public static MultivariateConfig from(Settings s) {
        MultivariateConfig d = defaults();
        int capacity = s.integer("multivariate.capacity", d.capacity, 16, 100_000);
        int first = s.integer("multivariate.train.first", d.firstTrain, 16, 100_000);
        double zHalf = s.decimal("multivariate.z.half", d.zHalf, 0.1, 1000);
        double zAlert = s.decimal("multivariate.z.alert", d.zAlert, 0.2, 1000);
        if (first > capacity) {
            s.problem("multivariate.train.first (" + first + ") must not exceed multivariate.capacity (" + capacity + ")");
            first = capacity;
        }
        if (!(zAlert > zHalf)) {
            s.problem("multivariate.z.alert (" + zAlert + ") must be greater than multivariate.z.half (" + zHalf + ")");
            zAlert = zHalf + 1;
        }
        return new MultivariateConfig(capacity,
            s.decimal("multivariate.nu", d.nu, 1e-4, 0.5),
            s.decimal("multivariate.gamma", d.gamma, 1e-4, 100),
            first,
            s.integer("multivariate.train.every", d.retrainEvery, 1, 10_000_000),
            s.integer("multivariate.warmup", d.warmup, 1, 10_000_000),
            s.integer("multivariate.shift.run", d.shiftRun, 1, 100_000),
            zHalf, zAlert, d.seed);
    }

    /** Maps a distance to a score in 0..1: logistic, 0.5 at {@link #zHalf}, 0.9 at {@link #zAlert}. */
    public double score(double distance) {
        double k = Math.log(9.0) / (zAlert - zHalf);
        return 1.0 / (1.0 + Math.exp(-k * (distance - zHalf)));
    }
}
