package dev.perfstream.streams.scoring;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.MultivariateConfig;
import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;

/**
 * The tuning keys of the models the scoring stage runs ({@code anomaly.*} for the per-series detector,
 * {@code multivariate.*} for the per-service one), declared with the models' own defaults, and the
 * {@link DetectorConfig} and {@link MultivariateConfig} built from them. (The offline backtest and eval
 * commands read the same keys through the models' {@code from(Settings)}.)
 */
public final class ModelKeys {
    private static final DetectorConfig D = DetectorConfig.defaults();
    private static final MultivariateConfig M = MultivariateConfig.defaults();

    public static final ConfigKey<Integer> WARMUP = ConfigKey.integer("anomaly.warmup", D.warmup(), 1, 100_000)
        .doc("Residuals before a score may exceed 0.5");
    public static final ConfigKey<Double> P_ALERT = ConfigKey.decimal("anomaly.p.alert", D.pAlert(), 1e-12, 0.5)
        .doc("Tail probability that maps to score 0.9");
    public static final ConfigKey<Double> P_HALF = ConfigKey.decimal("anomaly.p.half", D.pHalf(), 1e-11, 0.9)
        .doc("Tail probability that maps to score 0.5 (above anomaly.p.alert); below it a value is kept out of the history");
    public static final ConfigKey<Integer> SHIFT_RUN = ConfigKey.integer("anomaly.shift.run", D.shiftRun(), 2, 10_000)
        .doc("Anomalous values on one side after which a new level is accepted");
    public static final ConfigKey<Double> RELATIVE_FLOOR =
        ConfigKey.decimal("anomaly.relative.floor", D.relativeFloor(), 0, 1).doc("Noise scale floor as a fraction of the level");
    public static final ConfigKey<Double> SCALE_FLOOR = ConfigKey.decimal("anomaly.scale.floor", D.scaleFloor(), 0, 1)
        .doc("Noise scale floor as a fraction of the series' spread (mean absolute deviation)");
    public static final ConfigKey<Integer> RESIDUAL_WINDOW =
        ConfigKey.integer("anomaly.residual.window", D.residualWindow(), 8, 100_000).doc("Residuals for the robust noise scale");
    public static final ConfigKey<Integer> TAIL_WINDOW = ConfigKey.integer("anomaly.tail.window", D.tailWindow(), 64, 100_000)
        .doc("Standardised residuals the tail probability is taken against");
    public static final ConfigKey<Double> TAIL_GROWTH = ConfigKey.decimal("anomaly.tail.growth", D.tailGrowth(), 1, 3)
        .doc("Largest hazard growth of the fitted tail where the residuals are light-tailed (1: exponential, conservative)");
    public static final ConfigKey<Integer> TRAIN_FIRST =
        ConfigKey.integer("anomaly.train.first", D.firstTrain(), 16, 1_000_000).doc("Values before the first training");
    public static final ConfigKey<Integer> TRAIN_EVERY =
        ConfigKey.integer("anomaly.train.every", D.retrainEvery(), 1, 10_000_000).doc("Values between retrainings");
    public static final ConfigKey<Integer> TRAIN_ROWS =
        ConfigKey.integer("anomaly.train.rows", D.trainRows(), 16, 1_000_000).doc("Most recent rows a retraining uses");

    public static final ConfigKey<Integer> MV_CAPACITY = ConfigKey.integer("multivariate.capacity", M.capacity(), 16, 100_000)
        .doc("Vectors kept for training (per service)");
    public static final ConfigKey<Double> MV_NU = ConfigKey.decimal("multivariate.nu", M.nu(), 1e-4, 0.5)
        .doc("One-class SVM nu: the share of training vectors allowed outside the boundary");
    public static final ConfigKey<Double> MV_GAMMA = ConfigKey.decimal("multivariate.gamma", M.gamma(), 1e-4, 100)
        .doc("RBF kernel width on noise-scaled log dimensions (smaller = smoother boundary)");
    public static final ConfigKey<Integer> MV_TRAIN_FIRST =
        ConfigKey.integer("multivariate.train.first", M.firstTrain(), 16, 100_000)
            .doc("Vectors before the first training (at most multivariate.capacity)");
    public static final ConfigKey<Integer> MV_TRAIN_EVERY =
        ConfigKey.integer("multivariate.train.every", M.retrainEvery(), 1, 10_000_000).doc("Vectors between retrainings");
    public static final ConfigKey<Integer> MV_WARMUP = ConfigKey.integer("multivariate.warmup", M.warmup(), 1, 10_000_000)
        .doc("Vectors before a multivariate score may exceed 0.5");
    public static final ConfigKey<Integer> MV_SHIFT_RUN = ConfigKey.integer("multivariate.shift.run", M.shiftRun(), 1, 100_000)
        .doc("Anomalous vectors in a row after which they are learned and the model retrained");
    public static final ConfigKey<Double> MV_Z_HALF = ConfigKey.decimal("multivariate.z.half", M.zHalf(), 0.1, 1000)
        .doc("Distance (in spreads) that scores 0.5");
    public static final ConfigKey<Double> MV_Z_ALERT = ConfigKey.decimal("multivariate.z.alert", M.zAlert(), 0.2, 1000)
        .doc("Distance (in spreads) that scores 0.9 (above multivariate.z.half)");

    private ModelKeys() {
    }

    /** The per-series detector's tuning; problems (including the cross-key ones) are collected in {@code s}. */
    public static DetectorConfig detector(Settings s) {
        double pAlert = s.get(P_ALERT);
        double pHalf = s.get(P_HALF);
        if (!(pHalf > pAlert)) {
            s.problem(P_HALF.name() + " (" + pHalf + ") must be above " + P_ALERT.name() + " (" + pAlert + ")");
            pAlert = D.pAlert();
            pHalf = D.pHalf();
        }
        int first = s.get(TRAIN_FIRST);
        int rows = s.get(TRAIN_ROWS);
        if (rows < first) {
            s.problem(TRAIN_ROWS.name() + " (" + rows + ") must not be below " + TRAIN_FIRST.name() + " (" + first + ")");
            first = D.firstTrain();
            rows = D.trainRows();
        }
        return new DetectorConfig(s.get(WARMUP), pAlert, pHalf, s.get(SHIFT_RUN), s.get(RELATIVE_FLOOR), s.get(SCALE_FLOOR),
            s.get(RESIDUAL_WINDOW), s.get(TAIL_WINDOW), s.get(TAIL_GROWTH), first, s.get(TRAIN_EVERY), rows, D.seed());
    }

    /** The per-service detector's tuning; problems (including the cross-key ones) are collected in {@code s}. */
    public static MultivariateConfig multivariate(Settings s) {
        int capacity = s.get(MV_CAPACITY);
        int first = s.get(MV_TRAIN_FIRST);
        double zHalf = s.get(MV_Z_HALF);
        double zAlert = s.get(MV_Z_ALERT);
        if (first > capacity) {
            s.problem(MV_TRAIN_FIRST.name() + " (" + first + ") must not exceed " + MV_CAPACITY.name() + " (" + capacity + ")");
            first = capacity;
        }
        if (!(zAlert > zHalf)) {
            s.problem(MV_Z_ALERT.name() + " (" + zAlert + ") must be greater than " + MV_Z_HALF.name() + " (" + zHalf + ")");
            zAlert = zHalf + 1;
        }
        return new MultivariateConfig(capacity, s.get(MV_NU), s.get(MV_GAMMA), first, s.get(MV_TRAIN_EVERY),
            s.get(MV_WARMUP), s.get(MV_SHIFT_RUN), zHalf, zAlert, M.seed());
    }
}
