package dev.perfstream.streams.release;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A regressed route of a version, as the alert reports it. */
record Verdict(String route, String baseline, double shift, double shiftLower, double p95Base, double p95New,
               double errorsBase, double errorsNew, boolean latency) {
    static Verdict of(ReleaseComparison.Result r, String baseline) {
        return new Verdict(r.route(), baseline, r.shift(), r.shiftLower(), r.p95Base(), r.p95New(), r.errorRateBase(),
            r.errorRateNew(), r.latencyRegressed());
    }

    byte[] encode() {
        byte[] base = baseline.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(6 * 8 + 1 + base.length).putDouble(shift).putDouble(shiftLower).putDouble(p95Base)
            .putDouble(p95New).putDouble(errorsBase).putDouble(errorsNew).put((byte) (latency ? 1 : 0)).put(base).array();
    }

    static Verdict decode(String route, byte[] b) {
        ByteBuffer in = ByteBuffer.wrap(b);
        double shift = in.getDouble();
        double lower = in.getDouble();
        double p95Base = in.getDouble();
        double p95New = in.getDouble();
        double eb = in.getDouble();
        double en = in.getDouble();
        boolean latency = in.get() == 1;
        byte[] base = new byte[in.remaining()];
        in.get(base);
        return new Verdict(route, new String(base, StandardCharsets.UTF_8), shift, lower, p95Base, p95New, eb, en, latency);
    }
}
