package dev.perfstream.bench.jmh;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.perfstream.streams.stats.state.SketchQuantiles;
import dev.perfstream.streams.stats.state.Sketches;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The six quantiles of a closed window: DDSketch's own {@code getValuesAtQuantiles} against the stage's
 * one-pass {@link SketchQuantiles}, on a window of {@code values} lognormal latencies (30: a sparse series'
 * 10 s window; 3000: a busy one).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SketchQuantilesBench {
    private static final double[] QS = {0.50, 0.75, 0.90, 0.95, 0.99, 0.999};

    @Param({"30", "3000"})
    int values;

    private DDSketch sketch;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(1);
        sketch = new Sketches(0.01, 2048).create();
        for (int i = 0; i < values; i++) {
            sketch.accept(Math.exp(3 + 0.8 * r.nextGaussian()));
        }
    }

    @Benchmark
    public double[] library() {
        return sketch.getValuesAtQuantiles(QS);
    }

    @Benchmark
    public double[] onePass() {
        return SketchQuantiles.of(sketch, QS);
    }
}
