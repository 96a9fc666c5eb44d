package dev.perfstream.models.anomaly;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Compact binary form of a {@link SeriesDetector}'s state, for the scoring topology's state store (and
 * its changelog). Hand-written with {@code DataOutputStream} because the state is a handful of primitive
 * rings: Avro or Java serialization would add a schema or class metadata to every changelog record.
 * Residuals and training rows are stored as floats (about 10 KB per series with the defaults).
 * Array sizes are stored with the state, so a state written under other ring sizes still restores.
 */
public final class DetectorStateCodec {
    private static final int FORMAT = 1;

    private DetectorStateCodec() {
    }

    public static byte[] encode(SeriesDetector d) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeUTF(d.key);
            out.writeLong(d.learnedCount);
            out.writeLong(d.lastTs);
            writeRing(out, d.recent, d.recentPos, d.recentN, false);
            writeRing(out, d.resid, d.residPos, d.residN, true);
            out.writeDouble(d.sigma);
            out.writeInt(d.sinceSigma);
            out.writeInt(d.shiftSign);
            out.writeInt(d.shiftN);
            writeRing(out, d.shiftRaw, 0, d.shiftN, false);
            out.writeUTF(d.model.version());
            out.writeDouble(d.model.bias());
            out.writeInt(d.model.weights().length);
            for (double w : d.model.weights()) {
                out.writeDouble(w);
            }
            out.writeInt(d.trainY.length);
            out.writeInt(d.trainX.length == 0 ? 0 : d.trainX[0].length);
            out.writeInt(d.trainPos);
            out.writeInt(d.trainN);
            for (int i = 0; i < d.trainN; i++) {
                for (double x : d.trainX[i]) {
                    out.writeFloat((float) x);
                }
                out.writeFloat((float) d.trainY[i]);
            }
            out.writeLong(d.sinceTrain);
            out.writeInt(d.trainedVersions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException when the bytes are not a detector state of a known format */
    public static SeriesDetector decode(byte[] bytes, DetectorConfig cfg) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown detector state format " + format);
            }
            String key = in.readUTF();
            long learned = in.readLong();
            long lastTs = in.readLong();
            double[][] recent = readRing(in, false);
            double[][] resid = readRing(in, true);
            double sigma = in.readDouble();
            int sinceSigma = in.readInt();
            int shiftSign = in.readInt();
            int shiftN = in.readInt();
            double[][] shift = readRing(in, false);
            String version = in.readUTF();
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

    private static void writeRing(DataOutputStream out, double[] ring, int pos, int n, boolean asFloat)
        throws IOException {
        out.writeInt(ring.length);
        out.writeInt(pos);
        out.writeInt(n);
        for (double v : ring) {
            if (asFloat) {
                out.writeFloat((float) v);
            } else {
                out.writeDouble(v);
            }
        }
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
