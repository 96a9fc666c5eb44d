package dev.perfstream.streams.stats.state;

import com.datadoghq.sketch.ddsketch.DDSketch;

/**
 * The live state of one series in one window: exact count, errors, late events, min, max and sum,
 * the Web Vitals rating counts, and the sketch for quantiles. Lives in memory in
 * {@link SeriesWindowStore} and is written to the changelogged store, with the other windows of its
 * series, when the series changed since the last commit.
 */
public final class WindowAccumulator {
    final String seriesId;
    final int sizeIndex;
    final long start;
    final long end;
    final DDSketch sketch;
    long count;
    long errors;
    long late;
    long good;
    long needsImprovement;
    long poor;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum;
    /** Largest relative error of the histogram buckets added (see {@link #bucketError()}); NaN while none was. */
    double bucketError = Double.NaN;
    String unit;
    /**
     * Distinct instances (hashes of the events' instance names, {@code Observation.instanceHash}) as an open-addressing
     * set with 0 for empty slots; null until the first. Counted up to {@link #MAX_INSTANCES}: a window that
     * reaches it reports no count ({@link #instances()} null, {@link #instancesOverflowed()} true).
     */
    long[] instances;
    int instanceCount;
    /**
     * This window's encoded body as last written, kept while the window is unchanged: a series record holds
     * all its open windows (up to grace / size + 1 of the smallest size alone), and most of them did not
     * change since the last commit. Cleared by every change.
     */
    byte[] encoded;
    /**
     * Owned windows up to the per-version windows' size ({@link VersionWindows#size}): null while the window has no
     * measurement; {@link #MIXED} when its measurements are not all of one service version (or were merged from a
     * partial, or restored without one); else the version of every measurement in it, whose measurements in the
     * version's window this window then stands for ({@link VersionWindows#share}, {@link VersionWindows#beforeMerge}).
     * Other windows keep null.
     */
    String version;
    /**
     * A window larger than the smallest that events (and partials) are added to directly, and that receives no merge
     * from the smaller windows: how a build before merge-up fed every size, so only windows restored from such a
     * build's state are direct, until they close. Every other larger window holds the closed smaller windows of its
     * span, merged in as they close ({@link OpenWindows#closeDue}).
     */
    boolean direct;
    /** Marks {@link #version} as "not one version"; compared by identity. */
    static final String MIXED = new String("mixed");
    /** The series holding this window (set when linked into the store). */
    OpenSeries series;
    /** Next (older) and previous (newer) open window of the same series and size: a short chain, newest first. */
    WindowAccumulator next;
    WindowAccumulator prev;

    WindowAccumulator(String seriesId, int sizeIndex, long start, long end, DDSketch sketch) {
        this.seriesId = seriesId;
        this.sizeIndex = sizeIndex;
        this.start = start;
        this.end = end;
        this.sketch = sketch;
    }

    void add(double value, boolean error, int rating) {
        encoded = null;
        count++;
        if (error) {
            errors++;
        }
        switch (rating) {
            case 0: good++; break;
            case 1: needsImprovement++; break;
            case 2: poor++; break;
            default: break;
        }
        if (value < min) {
            min = value;
        }
        if (value > max) {
            max = value;
        }
        sum += value;
        sketch.accept(value);
    }

    /** Adds the measurements of a histogram event: each bucket's representative with its count. */
    void add(HistogramValues h, boolean error) {
        encoded = null;
        count += h.count();
        if (error) {
            errors += h.count();
        }
        min = Math.min(min, h.min());
        max = Math.max(max, h.max());
        sum += h.sum();
        for (int i = 0; i < h.values().length; i++) {
            sketch.accept(h.values()[i], h.counts()[i]);
        }
        bucketError = Double.isNaN(bucketError) ? h.relativeError() : Math.max(bucketError, h.relativeError());
    }

    /**
     * Most distinct instances a window holds (8 bytes each in the state). A window that reaches it may have seen
     * more, so its count is reported as unknown, never as this number.
     */
    public static final int MAX_INSTANCES = 1024;

    /** Counts an instance (a non-zero hash) if it is new to this window. */
    void addInstance(long h) {
        if (h == 0 || instanceCount >= MAX_INSTANCES) {
            return;
        }
        if (instances == null) {
            instances = new long[4];
        } else if (2 * (instanceCount + 1) > instances.length) {
            long[] old = instances;
            instances = new long[old.length * 2];
            for (long x : old) {
                if (x != 0) {
                    insert(x);
                }
            }
        }
        if (insert(h)) {
            instanceCount++;
            encoded = null;
        }
    }

    /** @return true if {@code h} was not in the table (the count is the caller's) */
    private boolean insert(long h) {
        int mask = instances.length - 1;
        int i = (int) (h ^ (h >>> 32)) & mask;
        while (instances[i] != 0) {
            if (instances[i] == h) {
                return false;
            }
            i = (i + 1) & mask;
        }
        instances[i] = h;
        return true;
    }

    /**
     * Distinct instances of the window's events, exact up to {@code MAX_INSTANCES - 1}; null when none carried one,
     * or when the window saw {@code MAX_INSTANCES} or more (see {@link #instancesOverflowed()}): a capped number
     * would read as an exact one, and the capacity advice would size a larger fleet by it.
     */
    public Integer instances() {
        return instanceCount == 0 || instanceCount >= MAX_INSTANCES ? null : instanceCount;
    }

    /** True when the window saw {@code MAX_INSTANCES} or more distinct instances: their number is not known. */
    public boolean instancesOverflowed() {
        return instanceCount >= MAX_INSTANCES;
    }

    /** Merges another window of the same series and span: its measurements, late events, ratings and instances. */
    void merge(WindowAccumulator o) {
        if (o.instances != null) {
            for (long x : o.instances) {
                if (x != 0) {
                    addInstance(x);
                }
            }
        }
        late += o.late;
        good += o.good;
        needsImprovement += o.needsImprovement;
        poor += o.poor;
        mergeMeasurements(o);
    }

    /**
     * Merges another window's measurements as a per-version window holds them: count, errors, min, max, sum,
     * bucket error and sketch; not its late events, instances or ratings (a per-version window has none).
     */
    void mergeMeasurements(WindowAccumulator o) {
        encoded = null;
        count += o.count;
        errors += o.errors;
        min = Math.min(min, o.min);
        max = Math.max(max, o.max);
        sum += o.sum;
        if (unit == null) {
            unit = o.unit;
        }
        sketch.mergeWith(o.sketch);
        if (!Double.isNaN(o.bucketError)) {
            bucketError = Double.isNaN(bucketError) ? o.bucketError : Math.max(bucketError, o.bucketError);
        }
    }

    /**
     * When histogram buckets went into this window: the largest relative error they allow, on top of the
     * sketch's accuracy; null when every measurement was a raw value.
     */
    public Double bucketError() {
        return Double.isNaN(bucketError) ? null : bucketError;
    }

    public String seriesId() {
        return seriesId;
    }

    /**
     * Whether this task owns the window's series: an owned window is final when handed out, a foreign one
     * is a partial aggregate for the owner.
     */
    public boolean owned() {
        return series == null || series.owned;
    }

    /** Index into the configured sizes; the rollup is the last one. */
    public int sizeIndex() {
        return sizeIndex;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    public long count() {
        return count;
    }

    public long errors() {
        return errors;
    }

    public long late() {
        return late;
    }

    public long good() {
        return good;
    }

    public long needsImprovement() {
        return needsImprovement;
    }

    public long poor() {
        return poor;
    }

    public double min() {
        return count == 0 ? 0 : min;
    }

    public double max() {
        return count == 0 ? 0 : max;
    }

    /** Sum of the values (of a histogram event's measurements, each by its representative value). */
    public double sum() {
        return count == 0 ? 0 : sum;
    }

    public double mean() {
        return count == 0 ? 0 : sum / count;
    }

    public String unit() {
        return unit == null ? "ms" : unit;
    }

    /** The sketch's quantile clamped into the exact [min, max]; 0 for an empty window. */
    public double quantile(double q) {
        if (count == 0 || sketch.isEmpty()) {
            return 0;
        }
        double v = sketch.getValueAtQuantile(q);
        return Math.max(min, Math.min(max, v));
    }

    /**
     * Several quantiles at once (one pass over the sketch for its count), each clamped into the
     * exact [min, max]; exact without the sketch when every value was the same (a window of one
     * event, or a constant series).
     */
    public double[] quantiles(double[] qs) {
        double[] out = new double[qs.length];
        if (count == 0 || sketch.isEmpty()) {
            return out;
        }
        if (min == max) {
            java.util.Arrays.fill(out, min);
            return out;
        }
        double[] v = SketchQuantiles.of(sketch, qs);
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.max(min, Math.min(max, v[i]));
        }
        return out;
    }

    /** The sketch itself, read-only use (tests, rollup checks). */
    public DDSketch sketch() {
        return sketch;
    }
}
