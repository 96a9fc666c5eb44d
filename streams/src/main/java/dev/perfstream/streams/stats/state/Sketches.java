package dev.perfstream.streams.stats.state;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.CubicallyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * The one way sketches are made, encoded and decoded, so every sketch of a run shares one index
 * mapping and can be merged.
 *
 * <p>Cubically interpolated mapping: the same relative-accuracy guarantee as the logarithmic one
 * with a few percent more bins, but no {@code Math.log} per value (faster on the per-event path).
 * Collapsing-lowest dense stores bound the bins per store to {@code maxBins}: when the range of
 * values of one window needs more, the lowest bins merge, so the low quantiles lose accuracy first
 * and the tail quantiles that latency work cares about keep the guarantee. With 1 % accuracy and
 * 2048 bins a window keeps the guarantee over a value range of about 1 : 10^17.
 */
public final class Sketches {
    private final IndexMapping mapping;
    private final Supplier<Store> stores;
    private final double relativeAccuracy;

    public Sketches(double relativeAccuracy, int maxBins) {
        this.relativeAccuracy = relativeAccuracy;
        this.mapping = new CubicallyInterpolatedMapping(relativeAccuracy);
        this.stores = () -> new CollapsingLowestDenseStore(maxBins);
    }

    public DDSketch create() {
        return new DDSketch(mapping, stores, stores);
    }

    public double relativeAccuracy() {
        return relativeAccuracy;
    }

    /** DDSketch's own compact encoding, without the mapping (every sketch here uses {@link #mapping}). */
    public void encode(DDSketch sketch, GrowingByteArrayOutput out) {
        try {
            sketch.encode(out, true);
        } catch (IOException e) {
            throw new IllegalStateException("encoding to a byte array cannot fail", e);
        }
    }

    public DDSketch decode(ByteArrayInput in) throws IOException {
        return DDSketch.decode(in, stores, mapping);
    }
}
