package dev.perfstream.models.forecast;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The past of one series on a regular grid, in bounded space: the most recent values at full resolution
 * (the <b>fine tier</b>, at least {@code fineSteps} of them) and older ones, back to {@code totalSteps}, as
 * means of blocks of {@code blockSteps} steps (the <b>coarse tier</b>: a float mean and a present-value
 * count per block). The forecaster needs single values only for its recent level, noise and training
 * features (the last few thousand steps); its daily profile and weekly factor need means of windows of
 * 11 to 241 steps going back three weeks, which block means give closely.
 * <p>
 * Steps are indexed from the first value observed (index 0); {@link #start()} is the oldest index still
 * known, {@link #fineStart()} the oldest kept at full resolution (a multiple of {@code blockSteps}: the
 * boundary moves a whole block at a time, each block leaving the fine tier is summarised exactly). Values
 * are stored as float (7 significant digits, far below any window statistic's sampling noise), in memory
 * as in the encoded state, so a decoded history computes exactly what the live one did.
 * <p>
 * Hand-written: no library on this module's class path offers a fixed-size multi-resolution series; the
 * ring buffers are a few lines each.
 */
public final class TieredHistory {
    private final int fine;
    private final int block;
    private final int blocks;
    private final float[] ring;
    private final float[] blockMean;
    private final byte[] blockCount;
    private int end;
    private int fineStart;

    /**
     * @param fineSteps  values kept at full resolution (at least; up to fineSteps + blockSteps - 1)
     * @param totalSteps steps kept in all (fine + coarse); equal to fineSteps: no coarse tier
     * @param blockSteps steps per coarse block, 1..127 (1 when there is no coarse tier)
     */
    public TieredHistory(int fineSteps, int totalSteps, int blockSteps) {
        if (fineSteps < 2 || totalSteps < fineSteps || blockSteps < 1 || blockSteps > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("bad tiers: fine " + fineSteps + ", total " + totalSteps + ", block " + blockSteps);
        }
        this.fine = fineSteps;
        this.block = totalSteps == fineSteps ? 1 : blockSteps;
        this.blocks = (int) Math.ceil((totalSteps - fineSteps) / (double) this.block);
        this.ring = new float[fine + block];
        this.blockMean = new float[blocks];
        this.blockCount = new byte[blocks];
        Arrays.fill(ring, Float.NaN);
    }

    /** A history holding the whole array at full resolution (offline use, tests). */
    public static TieredHistory of(double[] v) {
        TieredHistory h = new TieredHistory(Math.max(2, v.length), Math.max(2, v.length), 1);
        for (double x : v) {
            h.append(x);
        }
        return h;
    }

    /** One past the newest index. */
    public int end() {
        return end;
    }

    /** Oldest index with data (fine or coarse); indices below it are missing. */
    public int start() {
        return Math.max(0, fineStart - blocks * block);
    }

    /** Oldest index kept at full resolution. */
    public int fineStart() {
        return fineStart;
    }

    /** The value at step i, NaN when missing or not kept at full resolution. */
    public double at(int i) {
        return i < fineStart || i >= end ? Double.NaN : ring[i % ring.length];
    }

    /**
     * Stores the value of step k (NaN = missing); steps between the newest and k become missing. A gap
     * longer than the whole history clears it.
     *
     * @throws IllegalArgumentException if k is not after the newest step
     */
    public void put(int k, double x) {
        if (k < end) {
            throw new IllegalArgumentException("step " + k + " is not after " + (end - 1));
        }
        if ((long) k - end > ring.length + (long) blocks * block) {
            Arrays.fill(ring, Float.NaN);
            Arrays.fill(blockCount, (byte) 0);
            end = k;
            fineStart = fineStartFor(k);
        }
        while (end < k) {
            append(Double.NaN);
        }
        append(x);
    }

    private int fineStartFor(int endIndex) {
        return Math.max(0, Math.floorDiv(endIndex - fine, block) * block);
    }

    private void append(double x) {
        int next = fineStartFor(end + 1);
        for (int s = fineStart; s < next; s += block) { // blocks leaving the fine tier, still intact in the ring
            int c = 0;
            double sum = 0;
            for (int i = s; i < s + block; i++) {
                float y = ring[i % ring.length];
                if (y == y) {
                    sum += y;
                    c++;
                }
            }
            if (blocks > 0) {
                int q = Math.floorMod(s / block, blocks);
                blockMean[q] = c == 0 ? 0f : (float) (sum / c);
                blockCount[q] = (byte) c;
            }
        }
        fineStart = next;
        ring[end % ring.length] = Double.isFinite(x) ? (float) x : Float.NaN;
        end++;
    }

    /**
     * Mean of the present values in steps lo..hi (inclusive), NaN when fewer than half of those steps have a
     * value. Exact in the fine tier; in the coarse tier each block contributes its mean weighted by its
     * present count times the share of its steps inside lo..hi. This is approximate where lo or hi cuts a
     * block (the block's values are taken as spread evenly over it): the profile's +-15-step and the weekly
     * factor's 11-step windows do not align with the default 10-minute blocks.
     */
    public double mean(int lo, int hi) {
        double sum = 0;
        double n = 0;
        int to = Math.min(hi, end - 1);
        for (int i = Math.max(lo, fineStart); i <= to; i++) {
            float y = ring[i % ring.length];
            if (y == y) {
                sum += y;
                n++;
            }
        }
        if (lo < fineStart && blocks > 0) {
            int top = Math.min(hi, fineStart - 1);
            int qLo = Math.max(Math.floorDiv(lo, block), start() / block);
            for (int q = qLo, qHi = Math.floorDiv(top, block); q <= qHi; q++) {
                int c = blockCount[Math.floorMod(q, blocks)];
                if (c == 0) {
                    continue;
                }
                int overlap = Math.min(top, q * block + block - 1) - Math.max(lo, q * block) + 1;
                double w = c * (double) overlap / block;
                sum += w * blockMean[Math.floorMod(q, blocks)];
                n += w;
            }
        }
        return n == 0 || 2 * n < hi - lo + 1 ? Double.NaN : sum / n;
    }

    /** Writes the history: the fine tier's values and the coarse blocks that are still kept (not their slack). */
    void write(DataOutput out) throws IOException {
        out.writeInt(end);
        for (int i = fineStart; i < end; i++) {
            out.writeFloat(ring[i % ring.length]);
        }
        int qFrom = start() / block;
        int qTo = fineStart / block;
        for (int q = qFrom; q < qTo; q++) {
            out.writeFloat(blockMean[Math.floorMod(q, blocks)]);
            out.writeByte(blockCount[Math.floorMod(q, blocks)]);
        }
    }

    /** Reads what {@link #write} wrote into this (empty) history of the same tiers. */
    void read(DataInput in) throws IOException {
        int e = in.readInt();
        if (e < 0) {
            throw new IOException("history end " + e);
        }
        end = e;
        fineStart = fineStartFor(e);
        for (int i = fineStart; i < end; i++) {
            ring[i % ring.length] = in.readFloat();
        }
        int qFrom = start() / block;
        int qTo = fineStart / block;
        for (int q = qFrom; q < qTo; q++) {
            blockMean[Math.floorMod(q, blocks)] = in.readFloat();
            int c = in.readByte();
            if (c < 0 || c > block) {
                throw new IOException("block count " + c);
            }
            blockCount[Math.floorMod(q, blocks)] = (byte) c;
        }
    }

    /** Encoded size in bytes for the current content. */
    int encodedBytes() {
        return 4 + 4 * (end - fineStart) + 5 * (fineStart / block - start() / block);
    }
}
