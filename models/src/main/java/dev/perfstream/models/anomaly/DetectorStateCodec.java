package dev.perfstream.models.anomaly;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Compact binary form of a {@link SeriesDetector}'s state, for the scoring topology's state store (and
 * its changelog). Hand-written (ByteBuffer out, DataInputStream in) because the state is a handful of primitive
 * rings: Avro or Java serialization would add a schema or class metadata to every changelog record.
 * Residuals, tail residuals, the daily profile and training rows are stored as floats (about 20 KB per
 * series at a 1-minute step with the defaults). Array sizes are stored with the state, so a state written
 * under other ring sizes still restores.
 *
 * <p>Format 6: format 5 and the day starts' days and jumps (the epoch day of each value of the ring, the jumps kept
 * after their day left it). A state of format 5 is read with no jumps, its ring's values taken as the consecutive
 * days before the current one. Format 5: format 4 and the {@link DayStarts} (the kept value of the last days' first values, the current
 * day's). A state of format 4 is read with fresh day starts (no bound on the score of a day's first values until
 * the series' next day starts are seen again). Format 4: format 3 and the {@link WeeklyPattern} (the last week's day means, the current day's sum, the
 * ratios per day of the week). Format 3: format 2 (calibrated scores: tail residuals, daily profile, step, the
 * two expectations' errors) and the short-run mean |residual|. A state of format 3 is read with no weekly
 * pattern (it is learned again from the next days), one of format 2 also with no short-run scale (it starts
 * from the next value). A state of format 1 (before the calibration) is refused: its residuals were never
 * calibrated, and the caller starts the series afresh (the scoring stage logs a WARN).
 */
public final class DetectorStateCodec {
    private static final int FORMAT = 6;
    /** The oldest format still read: format 2 lacks the short-run scale, format 3 the weekly pattern (both start afresh). */
    private static final int OLDEST = 2;

    private DetectorStateCodec() {
    }

    public static byte[] encode(SeriesDetector d) {
        byte[] key = d.key.getBytes(StandardCharsets.UTF_8);
        byte[] version = d.model.version().getBytes(StandardCharsets.UTF_8);
        int width = d.training.x.length == 0 ? 0 : d.training.x[0].length;
        int profile = d.profile == null ? 0 : d.profile.slots.length;
        int size = 1 + 2 + key.length + 16 + ring(d.recent.values.length, 8) + 8 * d.recent.values.length + ring(d.resid.length, 4)
            + 8 + 12 + ring(d.shiftRaw.length, 8) + 8 * d.shiftRaw.length + 2 + version.length + 8 + 4
            + 8 * d.model.weights().length + 16 + 4 * (width + 1) * d.training.n + 12
            + 8 + 4 + 4 + 4 * profile + 60 + 12 + 4 * d.tail.ring.length + 8 + WEEKLY_BYTES + DAY_STARTS_BYTES
            + JUMPS_BYTES;
        // Heap ByteBuffer in DataOutputStream's byte order (read back with DataInputStream), without a
        // synchronized stream call per value (this runs once per window and statistic).
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) FORMAT);
        b.putShort((short) key.length).put(key);
        b.putLong(d.learnedCount).putLong(d.lastTs);
        putRing(b, d.recent.values, d.recent.pos, d.recent.n, false);
        for (double x : d.recent.deseason) {
            b.putDouble(x);
        }
        putRing(b, d.resid, d.residPos, d.residN, true);
        b.putDouble(d.sigma).putInt(d.sinceSigma).putInt(d.shiftSign).putInt(d.shiftN);
        putRing(b, d.shiftRaw, 0, d.shiftN, false);
        for (double x : d.shiftDeseason) {
            b.putDouble(x);
        }
        b.putShort((short) version.length).put(version);
        b.putDouble(d.model.bias()).putInt(d.model.weights().length);
        for (double w : d.model.weights()) {
            b.putDouble(w);
        }
        b.putInt(d.training.y.length).putInt(width).putInt(d.training.pos).putInt(d.training.n);
        for (int i = 0; i < d.training.n; i++) {
            for (double x : d.training.x[i]) {
                b.putFloat((float) x);
            }
            b.putFloat((float) d.training.y[i]);
        }
        b.putLong(d.training.sinceTrain).putInt(d.training.trainedVersions);
        b.putLong(d.stepMs).putInt(d.stepGaps).putInt(profile);
        for (int i = 0; i < profile; i++) {
            b.putFloat(d.profile.slots[i]);
        }
        b.putDouble(d.errModel).putDouble(d.errSeasonal).putDouble(d.longMean).putDouble(d.spread).putInt(d.shiftSpan)
            .putDouble(d.lastRaw).putDouble(d.stepSpread).putLong(d.lastAnomalous);
        b.putInt(d.tail.ring.length).putInt(d.tail.pos).putInt(d.tail.n);
        for (float x : d.tail.ring) {
            b.putFloat(x);
        }
        b.putDouble(d.recentAbs);
        putWeekly(b, d.weekly);
        putDayStarts(b, d.dayStarts);
        putJumps(b, d.dayStarts);
        return b.array();
    }

    /** Bytes of the weekly pattern: 7 day means, the day, its sum and count, 21 ratios, 7 counts and positions. */
    private static final int WEEKLY_BYTES = 7 * 8 + 8 + 8 + 4 + WeeklyPattern.KEEP * 7 * 4 + 7 + 7;

    private static void putWeekly(ByteBuffer b, WeeklyPattern w) {
        for (double x : w.dayMeans) {
            b.putDouble(x);
        }
        b.putLong(w.day).putDouble(w.daySum).putInt(w.dayN);
        for (float x : w.ratios) {
            b.putFloat(x);
        }
        for (int i = 0; i < 7; i++) {
            b.put((byte) w.ratioN[i]).put((byte) w.ratioPos[i]);
        }
    }

    /** Bytes of the day starts: the ring's length, values, position and count, the day, its count and three floats. */
    private static final int DAY_STARTS_BYTES = 4 + DayStarts.DAYS * 4 + 4 + 4 + 8 + 4 + 3 * 4;

    private static void putDayStarts(ByteBuffer b, DayStarts s) {
        b.putInt(s.kept.length);
        for (float x : s.kept) {
            b.putFloat(x);
        }
        b.putInt(s.pos).putInt(s.n).putLong(s.day).putInt(s.seen).putFloat(s.max).putFloat(s.second).putFloat(s.sum);
    }

    /** Bytes of the day starts' days and jumps: the ring's days, the jumps' length, values, days, position and count. */
    private static final int JUMPS_BYTES = DayStarts.DAYS * 4 + 4 + DayStarts.JUMPS * 8 + 4 + 4;

    private static void putJumps(ByteBuffer b, DayStarts s) {
        for (int x : s.keptDays) {
            b.putInt(x);
        }
        b.putInt(s.jumps.length);
        for (int i = 0; i < s.jumps.length; i++) {
            b.putFloat(s.jumps[i]).putInt(s.jumpDays[i]);
        }
        b.putInt(s.jumpPos).putInt(s.jumpN);
    }

    /**
     * Reads the ring's days (written in the ring's order, {@code ringLength}, {@code ringPos}, {@code keep} as read by
     * {@link #readDayStarts}) and the jumps (of another count: the newest that fit).
     */
    private static void readJumps(DataInputStream in, DayStarts s, int ringLength, int ringPos, int keep) throws IOException {
        int[] days = new int[ringLength];
        for (int i = 0; i < ringLength; i++) {
            days[i] = in.readInt();
        }
        for (int i = 0; i < keep; i++) { // the same order as the values
            s.keptDays[i] = days[Math.floorMod(ringPos - keep + i, ringLength)];
        }
        float[] jumps = new float[in.readInt()];
        int[] jumpDays = new int[jumps.length];
        for (int i = 0; i < jumps.length; i++) {
            jumps[i] = in.readFloat();
            jumpDays[i] = in.readInt();
        }
        int pos = in.readInt();
        int n = Math.min(in.readInt(), jumps.length);
        int fit = Math.min(n, s.jumps.length);
        for (int i = 0; i < fit; i++) { // oldest first
            int from = Math.floorMod(pos - fit + i, jumps.length);
            s.jumps[i] = jumps[from];
            s.jumpDays[i] = jumpDays[from];
        }
        s.jumpN = fit;
        s.jumpPos = fit % s.jumps.length;
    }

    /** Reads day starts; a ring of another length keeps its newest values that fit. */
    private static void readDayStarts(DataInputStream in, DayStarts s, int format) throws IOException {
        float[] ring = new float[in.readInt()];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = in.readFloat();
        }
        int pos = in.readInt();
        int n = Math.min(in.readInt(), ring.length);
        int keep = Math.min(n, s.kept.length);
        for (int i = 0; i < keep; i++) { // oldest kept first
            s.kept[i] = ring[Math.floorMod(pos - keep + i, ring.length)];
        }
        s.n = keep;
        s.pos = keep % s.kept.length;
        s.day = in.readLong();
        s.seen = in.readInt();
        s.max = in.readFloat();
        s.second = in.readFloat();
        s.sum = in.readFloat();
        if (format >= 6) {
            readJumps(in, s, ring.length, pos, keep);
        } else { // format 5 kept no days: the days before the current one
            for (int i = 0; i < keep; i++) {
                s.keptDays[i] = (int) (s.day - keep + i);
            }
        }
    }

    private static void readWeekly(DataInputStream in, WeeklyPattern w) throws IOException {
        for (int i = 0; i < 7; i++) {
            w.dayMeans[i] = in.readDouble();
        }
        w.day = in.readLong();
        w.daySum = in.readDouble();
        w.dayN = in.readInt();
        for (int i = 0; i < w.ratios.length; i++) {
            w.ratios[i] = in.readFloat();
        }
        for (int i = 0; i < 7; i++) {
            w.ratioN[i] = Math.min(in.readByte(), WeeklyPattern.KEEP);
            w.ratioPos[i] = Math.floorMod(in.readByte(), WeeklyPattern.KEEP);
        }
        w.refresh();
    }

    private static int ring(int len, int bytesPerValue) {
        return 12 + len * bytesPerValue;
    }

    private static void putRing(ByteBuffer b, double[] ring, int pos, int n, boolean asFloat) {
        b.putInt(ring.length).putInt(pos).putInt(n);
        for (double v : ring) {
            if (asFloat) {
                b.putFloat((float) v);
            } else {
                b.putDouble(v);
            }
        }
    }

    /** @throws IllegalArgumentException when the bytes are not a detector state of the current format */
    public static SeriesDetector decode(byte[] bytes, DetectorConfig cfg) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readByte();
            if (format < OLDEST || format > FORMAT) {
                throw new IllegalArgumentException("detector state of format " + format + ", this version reads "
                    + OLDEST + " to " + FORMAT + " (uncalibrated scores before format 2)");
            }
            String key = readString(in);
            long learned = in.readLong();
            long lastTs = in.readLong();
            double[][] recent = readRing(in, false);
            double[] deseason = readDoubles(in, recent[0].length);
            double[][] resid = readRing(in, true);
            double sigma = in.readDouble();
            int sinceSigma = in.readInt();
            int shiftSign = in.readInt();
            int shiftN = in.readInt();
            double[][] shift = readRing(in, false);
            double[] shiftDeseason = readDoubles(in, shift[0].length);
            String version = readString(in);
            double bias = in.readDouble();
            double[] weights = readDoubles(in, in.readInt());
            int trainLen = in.readInt();
            int width = in.readInt();
            int trainPos = in.readInt();
            int trainN = in.readInt();
            float[][] rows = new float[trainN][width + 1];
            for (int i = 0; i < trainN; i++) {
                for (int j = 0; j <= width; j++) {
                    rows[i][j] = in.readFloat();
                }
            }
            long sinceTrain = in.readLong();
            int trained = in.readInt();
            long stepMs = in.readLong();
            int stepGaps = in.readInt();
            int profileLen = in.readInt();
            float[] profile = new float[profileLen];
            for (int i = 0; i < profileLen; i++) {
                profile[i] = in.readFloat();
            }
            double errModel = in.readDouble();
            double errSeasonal = in.readDouble();
            double longMean = in.readDouble();
            double spread = in.readDouble();
            int shiftSpan = in.readInt();
            double lastRaw = in.readDouble();
            double stepSpread = in.readDouble();
            long lastAnomalous = in.readLong();
            int tailLen = in.readInt();
            int tailPos = in.readInt();
            int tailN = in.readInt();
            SeriesDetector d = new SeriesDetector(key, cfg, recent[0].length, resid[0].length,
                Math.max(shift[0].length, cfg.shiftRun()), trainLen, tailLen);
            for (int i = 0; i < tailLen; i++) {
                d.tail.ring[i] = in.readFloat();
            }
            d.recentAbs = format >= 3 ? in.readDouble() : Double.NaN;
            if (format >= 4) {
                readWeekly(in, d.weekly);
            }
            if (format >= 5) {
                readDayStarts(in, d.dayStarts, format);
            }
            d.tail.pos = tailPos;
            d.tail.n = tailN;
            d.tail.refresh();
            d.learnedCount = learned;
            d.lastTs = lastTs;
            System.arraycopy(recent[0], 0, d.recent.values, 0, recent[0].length);
            System.arraycopy(deseason, 0, d.recent.deseason, 0, deseason.length);
            d.recent.pos = (int) recent[1][0];
            d.recent.n = (int) recent[1][1];
            System.arraycopy(resid[0], 0, d.resid, 0, resid[0].length);
            d.residPos = (int) resid[1][0];
            d.residN = (int) resid[1][1];
            d.sigma = sigma;
            d.sinceSigma = sinceSigma;
            d.shiftSign = shiftSign;
            d.shiftN = Math.min(shiftN, shift[0].length);
            System.arraycopy(shift[0], 0, d.shiftRaw, 0, shift[0].length);
            System.arraycopy(shiftDeseason, 0, d.shiftDeseason, 0, shiftDeseason.length);
            d.model = new LinearExpectation(weights, bias, version);
            d.training.pos = trainPos;
            d.training.n = trainN;
            for (int i = 0; i < trainN; i++) {
                for (int j = 0; j < width; j++) {
                    d.training.x[i][j] = rows[i][j];
                }
                d.training.y[i] = rows[i][width];
            }
            d.training.sinceTrain = sinceTrain;
            d.training.trainedVersions = trained;
            d.stepMs = stepMs;
            d.stepGaps = stepGaps;
            if (profileLen > 0) {
                d.profile = new DailyProfile(profileLen);
                System.arraycopy(profile, 0, d.profile.slots, 0, profileLen);
            }
            d.errModel = errModel;
            d.errSeasonal = errSeasonal;
            d.longMean = longMean;
            d.spread = spread;
            d.shiftSpan = shiftSpan;
            d.lastRaw = lastRaw;
            d.stepSpread = stepSpread;
            d.lastAnomalous = lastAnomalous;
            d.recent.resort();
            return d;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("truncated or corrupt detector state: " + e, e);
        }
    }

    private static double[] readDoubles(DataInputStream in, int n) throws IOException {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** @return {values, {pos, n}} */
    private static double[][] readRing(DataInputStream in, boolean asFloat) throws IOException {
        int len = in.readInt();
        int pos = in.readInt();
        int n = in.readInt();
        double[] v = new double[len];
        for (int i = 0; i < len; i++) {
            v[i] = asFloat ? in.readFloat() : in.readDouble();
        }
        return new double[][] {v, {pos, n}};
    }
}
