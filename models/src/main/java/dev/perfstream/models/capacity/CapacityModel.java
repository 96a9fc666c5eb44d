package dev.perfstream.models.capacity;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tribuo.MutableDataset;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.linear.LinearSGDModel;
import org.tribuo.regression.sgd.linear.LinearSGDTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/**
 * Capacity per instance of one service, learned from its own history of {@link CapacitySample}s: the request
 * rate per instance at which a window's p95 latency (and, with a CPU KPI, the instances' CPU) crosses its KPI.
 *
 * <p>Latency: a Tribuo linear SGD regression (squared loss) of {@code KPI / p95} on the rate per instance, over
 * the busier part of the history (the samples at or above the {@link Config#fitShare} quantile of the load per
 * instance: near the crossing, where the curve matters). Queueing theory motivates the form: an M/M/1 server's
 * p95 sojourn time is {@code ln 20 / (mu - lambda)}, so {@code 1 / p95} falls linearly with the load and reaches
 * 0 at the service rate; multi-server curves are flat at low load and bend down later, which the fit over the
 * busier samples follows. The KPI is crossed where the line reaches 1. The margin: the relative residuals'
 * robust spread {@code s} (1.4826 MAD); the safe rate is where the fitted value is {@code 1 / (1 - z s)}, so a
 * window's p95 stays under the KPI with the probability {@code z} stands for (1.645: 95 %). CPU (utilisation
 * law: CPU grows linearly with the load per instance): the same regression of CPU on the load over all samples
 * with a CPU value, the margin {@code z} residual standard deviations below the KPI. The lower of the two wins.
 *
 * <p>Honest about what it has not seen: fewer than {@link Config#minSamples} samples, a load per instance that
 * barely varied, or a p95 that does not measurably rise with the load give {@link CapacityEstimate.Status#UNKNOWN}
 * with the reason; a crossing beyond the highest load seen is {@code EXTRAPOLATED} up to
 * {@link Config#maxExtrapolation} times that load, unknown beyond. The caller then falls back to the manual
 * override {@code capacity.<service>.rate}, which always wins when set.
 */
public final class CapacityModel {
    private static final String[] FEATURE = {"rate_per_instance"};

    /**
     * How the capacity is fitted.
     *
     * @param p95KpiMs         the p95 latency KPI in milliseconds (the platform's default for APIs: 200)
     * @param cpuKpi           the CPU KPI in percent, or NaN for none
     * @param z                standard normal quantile of the confidence that a window stays under the KPI (1.645)
     * @param minSamples       fewer samples give an unknown capacity
     * @param fitShare         share of the samples (the busiest) the latency line is fitted on, 0.1..1
     * @param minSpread        the load per instance must vary (5th to 95th percentile) by at least this share of
     *                         its median, or the capacity is unknown
     * @param maxExtrapolation a crossing beyond this multiple of the highest load per instance seen is unknown
     * @param seed             seed of the SGD
     */
    public record Config(double p95KpiMs, double cpuKpi, double z, int minSamples, double fitShare, double minSpread,
                         double maxExtrapolation, long seed) {
        public Config {
            List<String> bad = new ArrayList<>();
            if (!(p95KpiMs > 0) || Double.isInfinite(p95KpiMs)) {
                bad.add("p95KpiMs must be > 0: " + p95KpiMs);
            }
            if (!Double.isNaN(cpuKpi) && !(cpuKpi > 0)) {
                bad.add("cpuKpi must be NaN (none) or > 0: " + cpuKpi);
            }
            if (!(z >= 0) || Double.isInfinite(z)) {
                bad.add("z must be >= 0: " + z);
            }
            if (minSamples < 10) {
                bad.add("minSamples must be >= 10: " + minSamples);
            }
            if (!(fitShare >= 0.1 && fitShare <= 1)) {
                bad.add("fitShare must be in 0.1..1: " + fitShare);
            }
            if (!(minSpread >= 0)) {
                bad.add("minSpread must be >= 0: " + minSpread);
            }
            if (!(maxExtrapolation >= 1)) {
                bad.add("maxExtrapolation must be >= 1: " + maxExtrapolation);
            }
            if (!bad.isEmpty()) {
                throw new IllegalArgumentException("capacity model: " + String.join("; ", bad));
            }
        }

        /** p95 under {@code p95KpiMs} in 95 % of windows, no CPU KPI, 60 samples, the busiest half, 1.5x extrapolation. */
        public static Config latency(double p95KpiMs) {
            return new Config(p95KpiMs, Double.NaN, 1.645, 60, 0.5, 0.2, 1.5, 7L);
        }

        public Config withCpuKpi(double percent) {
            return new Config(p95KpiMs, percent, z, minSamples, fitShare, minSpread, maxExtrapolation, seed);
        }

        public Config withMaxExtrapolation(double m) {
            return new Config(p95KpiMs, cpuKpi, z, minSamples, fitShare, minSpread, m, seed);
        }
    }

    /** A fitted line {@code y = intercept + slope x} with the spread of its residuals. */
    record Line(double intercept, double slope, double spread, double slopeT) {
        double at(double x) {
            return intercept + slope * x;
        }
    }

    private final Config config;

    public CapacityModel(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** The capacity per instance these samples show (never throws on their content: see {@link CapacitySample}). */
    public CapacityEstimate fit(List<CapacitySample> samples) {
        int n = samples.size();
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = samples.get(i).perInstance();
        }
        double max = n == 0 ? Double.NaN : Arrays.stream(x).max().orElse(Double.NaN);
        if (n < config.minSamples()) {
            return CapacityEstimate.unknown(max, n, "too few samples: " + n + ", at least " + config.minSamples()
                + " needed");
        }
        double[] sorted = x.clone();
        Arrays.sort(sorted);
        double median = quantile(sorted, 0.5);
        double spread = quantile(sorted, 0.95) - quantile(sorted, 0.05);
        if (!(median > 0) || spread < config.minSpread() * median) {
            return CapacityEstimate.unknown(max, n, String.format(
                "load per instance nearly constant (%.3g..%.3g req/s): capacity not observable", quantile(sorted, 0.05),
                quantile(sorted, 0.95)));
        }
        double from = quantile(sorted, 1 - config.fitShare());
        List<double[]> lat = new ArrayList<>();
        for (CapacitySample s : samples) {
            if (s.perInstance() >= from) {
                lat.add(new double[] {s.perInstance(), config.p95KpiMs() / s.p95Ms()});
            }
        }
        Line line = fitLine(lat, true, samples.get(n - 1).timeMs(), "p95");
        if (line == null || line.slopeT() > -3) {
            return CapacityEstimate.unknown(max, lat.size(), String.format(
                "p95 does not rise measurably with the load per instance (slope t = %.1f): capacity not observed",
                line == null ? 0.0 : line.slopeT()));
        }
        double zs = config.z() * line.spread();
        if (zs >= 0.9) {
            return CapacityEstimate.unknown(max, lat.size(), String.format(
                "p95 too noisy around its fit (relative spread %.2f) for a capacity at this confidence", line.spread()));
        }
        double crossing = (1 - line.intercept()) / line.slope();
        double safe = (1 / (1 - zs) - line.intercept()) / line.slope();
        String binding = "p95";
        int used = lat.size();
        if (!Double.isNaN(config.cpuKpi())) {
            List<double[]> cpu = new ArrayList<>();
            for (CapacitySample s : samples) {
                if (!Double.isNaN(s.cpu())) {
                    cpu.add(new double[] {s.perInstance(), s.cpu()});
                }
            }
            Line c = cpu.size() >= config.minSamples() ? fitLine(cpu, false, samples.get(n - 1).timeMs(), "cpu") : null;
            if (c != null && c.slopeT() > 3) {
                double cCross = (config.cpuKpi() - c.intercept()) / c.slope();
                double cSafe = (config.cpuKpi() - config.z() * c.spread() - c.intercept()) / c.slope();
                if (cSafe < safe) {
                    crossing = cCross;
                    safe = cSafe;
                    binding = "cpu";
                    used = cpu.size();
                }
            }
        }
        if (!(safe > 0)) {
            return CapacityEstimate.unknown(max, used, "the " + binding + " KPI is exceeded at every load seen");
        }
        if (crossing <= max) {
            return new CapacityEstimate(CapacityEstimate.Status.OBSERVED, safe, crossing, max, binding, used,
                String.format("%s KPI crossed within the loads seen", binding));
        }
        if (crossing <= config.maxExtrapolation() * max) {
            return new CapacityEstimate(CapacityEstimate.Status.EXTRAPOLATED, safe, crossing, max, binding, used,
                String.format("capacity not observed; extrapolated %.2fx beyond the highest load per instance seen",
                    crossing / max));
        }
        return CapacityEstimate.unknown(max, used, String.format(
            "capacity not observed: the %s KPI would be crossed at %.3g req/s per instance, %.1fx the highest load seen"
                + " (limit %.1fx)", binding, crossing, crossing / max, config.maxExtrapolation()));
    }

    /**
     * Least squares through (x, y) rows by Tribuo's linear SGD on standardised values, mapped back. The spread is
     * the 1.4826 MAD of the residuals, relative to the fitted value when {@code relative}.
     */
    private Line fitLine(List<double[]> rows, boolean relative, long timeMs, String what) {
        int m = rows.size();
        if (m < 10) {
            return null;
        }
        double mx = 0;
        double my = 0;
        for (double[] r : rows) {
            mx += r[0];
            my += r[1];
        }
        mx /= m;
        my /= m;
        double sxx = 0;
        double syy = 0;
        for (double[] r : rows) {
            sxx += (r[0] - mx) * (r[0] - mx);
            syy += (r[1] - my) * (r[1] - my);
        }
        double sx = Math.sqrt(sxx / m);
        double sy = Math.sqrt(syy / m);
        if (!(sx > 0)) {
            return null;
        }
        if (!(sy > 0)) {
            return new Line(my, 0, 0, 0);
        }
        RegressionFactory factory = new RegressionFactory();
        MutableDataset<Regressor> ds = new MutableDataset<>(new SimpleDataSourceProvenance("capacity " + what,
            OffsetDateTime.ofInstant(Instant.ofEpochMilli(timeMs), ZoneOffset.UTC), factory), factory);
        for (double[] r : rows) {
            ds.add(new ArrayExample<>(new Regressor("y", (r[1] - my) / sy), FEATURE, new double[] {(r[0] - mx) / sx}));
        }
        LinearSGDModel model = (LinearSGDModel) new LinearSGDTrainer(new SquaredLoss(), new AdaGrad(0.5, 0.1), 20, -1,
            16, config.seed()).train(ds, Map.of());
        DenseMatrix w = model.getWeightsCopy();
        int id = model.getFeatureIDMap().getID(FEATURE[0]);
        double wz = id < 0 ? 0 : w.get(0, id);
        double bz = w.get(0, w.getDimension2Size() - 1);
        double slope = wz * sy / sx;
        double intercept = my + sy * bz - slope * mx;
        double[] res = new double[m];
        double sse = 0;
        for (int i = 0; i < m; i++) {
            double[] r = rows.get(i);
            double fit = intercept + slope * r[0];
            sse += (r[1] - fit) * (r[1] - fit);
            res[i] = relative ? (fit > 0 ? (r[1] - fit) / fit : (r[1] - fit) / Math.abs(my)) : r[1] - fit;
        }
        double spread = 1.4826 * mad(res);
        double se = Math.sqrt(sse / Math.max(1, m - 2)) / Math.sqrt(sxx);
        double t = se > 0 ? slope / se : Math.copySign(Double.MAX_VALUE, slope);
        return new Line(intercept, slope, spread, t);
    }

    private static double mad(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        double med = quantile(s, 0.5);
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.abs(v[i] - med);
        }
        Arrays.sort(s);
        return quantile(s, 0.5);
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
