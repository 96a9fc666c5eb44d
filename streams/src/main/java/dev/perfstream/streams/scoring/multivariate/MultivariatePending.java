package dev.perfstream.streams.scoring.multivariate;

import dev.perfstream.models.anomaly.ServiceVitals;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * State of the multivariate branch besides the detectors, with its binary forms: a service's window that is
 * still being assembled ({@link Window}) and the series a service has been seen with ({@link Known}).
 * Hand-written codecs: a few strings and numbers per entry, no schema per changelog record.
 */
final class MultivariatePending {
    private MultivariatePending() {
    }

    /** One (service, window) being assembled: its vitals and the series that arrived. */
    static final class Window {
        final String service;
        final long start;
        final long end;
        /** Wall-clock time the window's first series arrived. */
        final long opened;
        final ServiceVitals vitals;
        final Set<String> series;

        Window(String service, long start, long end, long opened, ServiceVitals vitals, Set<String> series) {
            this.service = service;
            this.start = start;
            this.end = end;
            this.opened = opened;
            this.vitals = vitals;
            this.series = series;
        }

        byte[] encode() {
            byte[] svc = utf8(service);
            byte[] v = vitals.encode();
            int size = 4 + svc.length + 24 + 4 + v.length + 4;
            byte[][] ids = new byte[series.size()][];
            int i = 0;
            for (String s : series) {
                ids[i] = utf8(s);
                size += 4 + ids[i++].length;
            }
            ByteBuffer b = ByteBuffer.allocate(size);
            b.putInt(svc.length).put(svc).putLong(start).putLong(end).putLong(opened).putInt(v.length).put(v).putInt(ids.length);
            for (byte[] id : ids) {
                b.putInt(id.length).put(id);
            }
            return b.array();
        }

        static Window decode(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            String service = string(b);
            long start = b.getLong();
            long end = b.getLong();
            long opened = b.getLong();
            byte[] v = new byte[b.getInt()];
            b.get(v);
            int n = b.getInt();
            Set<String> series = new LinkedHashSet<>();
            for (int i = 0; i < n; i++) {
                series.add(string(b));
            }
            return new Window(service, start, end, opened, ServiceVitals.decode(v), series);
        }
    }

    /** Series of a service with the first and last window start they were seen in. */
    static final class Known {
        final Map<String, long[]> seen = new LinkedHashMap<>();

        void saw(String series, long windowStart) {
            long[] fl = seen.computeIfAbsent(series, k -> new long[] {windowStart, windowStart});
            fl[0] = Math.min(fl[0], windowStart);
            fl[1] = Math.max(fl[1], windowStart);
        }

        /** Series expected in the window starting at {@code start}: seen before it, and recently. */
        Set<String> expected(long start, long horizonMs) {
            Set<String> out = new LinkedHashSet<>();
            seen.forEach((s, fl) -> {
                if (fl[0] < start && fl[1] >= start - horizonMs) {
                    out.add(s);
                }
            });
            return out;
        }

        /** Forgets series not seen since {@code before}. */
        void prune(long before) {
            seen.values().removeIf(fl -> fl[1] < before);
        }

        byte[] encode() {
            int size = 4;
            for (String s : seen.keySet()) {
                size += 4 + utf8(s).length + 16;
            }
            ByteBuffer b = ByteBuffer.allocate(size).putInt(seen.size());
            seen.forEach((s, fl) -> {
                byte[] id = utf8(s);
                b.putInt(id.length).put(id).putLong(fl[0]).putLong(fl[1]);
            });
            return b.array();
        }

        static Known decode(byte[] bytes) {
            Known k = new Known();
            if (bytes == null) {
                return k;
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            int n = b.getInt();
            for (int i = 0; i < n; i++) {
                String s = string(b);
                k.seen.put(s, new long[] {b.getLong(), b.getLong()});
            }
            return k;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
