package dev.perfstream.models.anomaly;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary form of a {@link MultivariateDetector}'s state for the scoring topology's state store: counters,
 * calibration, standardisation and the training buffer (floats: about 30 KB per service with 5 dimensions
 * and the default 1440 vectors). The Tribuo model is not in it: the state names the model version and the
 * model is read back from the model store ({@link MultivariateModels#restore}). Hand-written for the same
 * reason as {@link DetectorStateCodec}: a few primitive arrays, no schema per changelog record.
 */
public final class MultivariateStateCodec {
    private static final int FORMAT = 2;

    private MultivariateStateCodec() {
    }

    public static byte[] encode(MultivariateDetector d) {
        byte[] key = d.key.getBytes(StandardCharsets.UTF_8);
        byte[] version = d.version.getBytes(StandardCharsets.UTF_8);
        int dims = d.names.length;
        int size = 1 + 4 + key.length + 4 + 4 + 4 + 8 + 8 + 4 + 4 + version.length + 16 + 16 * dims + 4 * dims * d.n + 4 * dims * d.run;
        byte[][] names = new byte[dims][];
        for (int i = 0; i < dims; i++) {
            names[i] = d.names[i].getBytes(StandardCharsets.UTF_8);
            size += 4 + names[i].length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) FORMAT).putInt(key.length).put(key).putInt(dims);
        for (byte[] name : names) {
            b.putInt(name.length).put(name);
        }
        b.putInt(d.buffer.length).putInt(d.n).putLong(d.seen).putLong(d.sinceTrain).putInt(d.run);
        b.putInt(version.length).put(version).putDouble(d.lowDecision).putDouble(d.decisionScale);
        for (int i = 0; i < dims; i++) {
            b.putDouble(d.center[i]).putDouble(d.spread[i]);
        }
        // Oldest first, so a state read back under another capacity keeps the most recent vectors.
        int start = d.n < d.buffer.length ? 0 : d.pos;
        for (int k = 0; k < d.n; k++) {
            for (double v : d.buffer[(start + k) % d.buffer.length]) {
                b.putFloat((float) v);
            }
        }
        for (int k = 0; k < d.run; k++) {
            for (double v : d.held[k]) {
                b.putFloat((float) v);
            }
        }
        return b.array();
    }

    /**
     * @return the detector without its model (see {@link MultivariateModels#restore})
     * @throws IllegalArgumentException if the bytes are not a state of this format
     */
    public static MultivariateDetector decode(byte[] bytes, MultivariateConfig cfg) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.get() != FORMAT) {
                throw new IllegalArgumentException("unknown multivariate state format");
            }
            String key = string(b);
            int dims = b.getInt();
            List<String> names = new ArrayList<>(dims);
            for (int i = 0; i < dims; i++) {
                names.add(string(b));
            }
            MultivariateDetector d = new MultivariateDetector(key, names, cfg);
            b.getInt(); // capacity it was written with
            int n = b.getInt();
            d.seen = b.getLong();
            d.sinceTrain = b.getLong();
            d.run = b.getInt();
            d.version = string(b);
            d.lowDecision = b.getDouble();
            d.decisionScale = b.getDouble();
            for (int i = 0; i < dims; i++) {
                d.center[i] = b.getDouble();
                d.spread[i] = b.getDouble();
            }
            int skip = Math.max(0, n - d.buffer.length);
            for (int k = 0; k < n; k++) {
                double[] row = k >= skip ? d.buffer[k - skip] : new double[dims];
                for (int i = 0; i < dims; i++) {
                    row[i] = b.getFloat();
                }
            }
            d.n = n - skip;
            d.pos = d.n % d.buffer.length;
            int held = d.run;
            d.run = Math.min(held, d.held.length);
            for (int k = 0; k < held; k++) {
                for (int i = 0; i < dims; i++) {
                    float v = b.getFloat();
                    if (k < d.held.length) {
                        d.held[k][i] = v;
                    }
                }
            }
            return d;
        } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("truncated multivariate state: " + e, e);
        }
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
