package dev.perfstream.bench.jmh;

import dev.perfstream.models.anomaly.MultivariateConfig;
import dev.perfstream.models.anomaly.MultivariateDetector;
import dev.perfstream.models.anomaly.MultivariateStateCodec;
import dev.perfstream.models.anomaly.ServiceVitals;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the multivariate detector per service vector (5 dimensions, a one-class SVM trained on a day of
 * 1-minute vectors): {@code score} is the scoring step alone (retraining switched off), {@code
 * scoreWithRetraining} the defaults with the retraining every 360 vectors amortised, {@code
 * scoreAndEncodeState} adds the state write the topology does after every vector.
 * Run: {@code java -cp <bench classpath> org.openjdk.jmh.Main MultivariateScoringBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class MultivariateScoringBench {
    private MultivariateDetector frozen;
    private MultivariateDetector retraining;
    private SplittableRandom rnd;
    private int i;

    @Setup(Level.Trial)
    public void setup() {
        rnd = new SplittableRandom(3);
        MultivariateConfig d = MultivariateConfig.defaults();
        frozen = new MultivariateDetector("bench", ServiceVitals.ALL, new MultivariateConfig(d.capacity(), d.nu(),
            d.gamma(), d.capacity(), Integer.MAX_VALUE, d.warmup(), d.shiftRun(), d.zHalf(), d.zAlert(), d.seed()));
        retraining = new MultivariateDetector("bench", ServiceVitals.ALL, d);
        for (int k = 0; k < 1500; k++) {
            double[] v = vector(k);
            frozen.observe(v, null);
            retraining.observe(v, null);
        }
        i = 1500;
    }

    /** Load with a daily cycle; CPU and memory follow it, latency flat, errors low. */
    private double[] vector(int k) {
        double load = 1 + 0.5 * Math.sin(2 * Math.PI * k / 1440.0);
        return new double[] {75 * (1 + 0.03 * rnd.nextGaussian()), 0.002 * (1 + 0.3 * rnd.nextGaussian()),
            26 * load * (1 + 0.03 * rnd.nextGaussian()), 25 * load + 1.2 * rnd.nextGaussian(),
            512e6 * (1 + 0.25 * load) + 6e6 * rnd.nextGaussian()};
    }

    @Benchmark
    public double score() {
        return frozen.observe(vector(i++), null).score();
    }

    @Benchmark
    public double scoreWithRetraining() {
        return retraining.observe(vector(i++), null).score();
    }

    @Benchmark
    public int scoreAndEncodeState() {
        frozen.observe(vector(i++), null);
        return MultivariateStateCodec.encode(frozen).length;
    }
}
