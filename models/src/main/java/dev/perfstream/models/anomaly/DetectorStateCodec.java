package dev.perfstream.models.anomaly;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Compact binary form of a {@link SeriesDetector}'s state, for the scoring topology's state store (and
 * its changelog). Hand-written (ByteBuffer out, DataInputStream in) because the state is a handful of primitive
 * rings: Avro or Java serialization would add a schema or class metadata to every changelog record.
 * Residuals and training rows are stored as floats (about 10 KB per series with the defaults).
 * Array sizes are stored with the state, so a state written under other ring sizes still restores.
 */
public final class DetectorStateCodec {
    private static final int FORMAT = 1;

    private DetectorStateCodec() {
    }

    public static byte[] encode(SeriesDetector d) {
        byte[] key = d.key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] version = d.model.version().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int width = d.trainX.length == 0 ? 0 : d.trainX[0].length;
        int size = 1 + 2 + key.length + 16 + ring(d.recent.length, 8) + ring(d.resid.length, 4) + 8 + 12
            + ring(d.shiftRaw.length, 8) + 2 + version.length + 8 + 4 + 8 * d.model.weights().length
            + 16 + 4 * (width + 1) * d.trainN + 12;
        // Heap ByteBuffer in DataOutputStream's byte order: the same bytes as before, without a
        // synchronized stream call per value (this runs once per window and statistic).
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size);
        b.put((byte) FORMAT);
        b.putShort((short) key.length).put(key);
        b.putLong(d.learnedCount).putLong(d.lastTs);
        putRing(b, d.recent, d.recentPos, d.recentN, false);
        putRing(b, d.resid, d.residPos, d.residN, true);
        b.putDouble(d.sigma).putInt(d.sinceSigma).putInt(d.shiftSign).putInt(d.shiftN);
        putRing(b, d.shiftRaw, 0, d.shiftN, false);
        b.putShort((short) version.length).put(version);
        b.putDouble(d.model.bias()).putInt(d.model.weights().length);
        for (double w : d.model.weights()) {
            b.putDouble(w);
        }
        b.putInt(d.trainY.length).putInt(width).putInt(d.trainPos).putInt(d.trainN);
        for (int i = 0; i < d.trainN; i++) {
            for (double x : d.trainX[i]) {
                b.putFloat((float) x);
            }
            b.putFloat((float) d.trainY[i]);
        }
        b.putLong(d.sinceTrain).putInt(d.trainedVersions);
        return b.array();
    }

    private static int ring(int len, int bytesPerValue) {
        return 12 + len * bytesPerValue;
    }

    private static void putRing(java.nio.ByteBuffer b, double[] ring, int pos, int n, boolean asFloat) {
        b.putInt(ring.length).putInt(pos).putInt(n);
        for (double v : ring) {
            if (asFloat) {
                b.putFloat((float) v);
            } else {
                b.putDouble(v);
            }
        }
    }

    /** @throws IllegalArgumentException when the bytes are not a detector state of a known format */
    public static SeriesDetector decode(byte[] bytes, DetectorConfig cfg) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown detector state format " + format);
            }
            String key = readString(in);
            long learned = in.readLong();
            long lastTs = in.readLong();
            double[][] recent = readRing(in, false);
            double[][] resid = readRing(in, true);
            double sigma = in.readDouble();
            int sinceSigma = in.readInt();
            int shiftSign = in.readInt();
            int shiftN = in.readInt();
            double[][] shift = readRing(in, false);
            String version = readString(in);
            double bias = in.readDouble();
            double[] weights = new double[in.readInt()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = in.readDouble();
            }
            int trainLen = in.readInt();
            int width = in.readInt();
            SeriesDetector d = new SeriesDetector(key, cfg, recent[0].length, resid[0].length,
                Math.max(shift[0].length, cfg.shiftRun()), trainLen);
            d.learnedCount = learned;
            d.lastTs = lastTs;
            System.arraycopy(recent[0], 0, d.recent, 0, recent[0].length);
            d.recentPos = (int) recent[1][0];
            d.recentN = (int) recent[1][1];
            System.arraycopy(resid[0], 0, d.resid, 0, resid[0].length);
            d.residPos = (int) resid[1][0];
            d.residN = (int) resid[1][1];
            d.sigma = sigma;
            d.sinceSigma = sinceSigma;
            d.shiftSign = shiftSign;
            d.shiftN = Math.min(shiftN, shift[0].length);
            System.arraycopy(shift[0], 0, d.shiftRaw, 0, shift[0].length);
            d.model = new LinearExpectation(weights, bias, version);
            d.trainPos = in.readInt();
            d.trainN = in.readInt();
            for (int i = 0; i < d.trainN; i++) {
                for (int j = 0; j < width; j++) {
                    d.trainX[i][j] = in.readFloat();
                }
                d.trainY[i] = in.readFloat();
            }
            d.sinceTrain = in.readLong();
            d.trainedVersions = in.readInt();
            d.resort();
            return d;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt detector state: " + e, e);
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
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
