package dev.perfstream.ingest.collector;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The part of an HTTP exchange that the collector's POST endpoints use, so the same edge checks and
 * answers run behind Javalin ({@link #of(Context)}) and behind the plain Jetty handler of the beacon
 * hot path ({@link BeaconHandler}).
 */
interface Exchange {
    /** The TCP peer's address (never stored; {@link ClientAddresses} turns it into the rate limiter's key). */
    String clientAddress();

    /** Content-Length, or -1 when the body is chunked. */
    long contentLength();

    String header(String name);

    /** Every field of a header joined with commas (the list form HTTP defines for repeated fields), or null. */
    String headerList(String name);

    InputStream body() throws IOException;

    void responseHeader(String name, String value);

    /**
     * Reads at most {@code maxBytes + 1} bytes of the body (so that a body over the limit shows), then
     * calls {@code onBody}; on an I/O error calls {@code onError}. Blocking here; the Jetty exchange
     * reads without holding a thread while the client is slow.
     */
    default void readBody(int maxBytes, Consumer<byte[]> onBody, Consumer<IOException> onError) {
        long len = contentLength();
        byte[] b;
        try (InputStream in = body()) {
            // With a Content-Length (sendBeacon always sends one) read exactly that: readNBytes(limit + 1)
            // allocated 8 KiB per request for a beacon of a few hundred bytes.
            b = in.readNBytes(len >= 0 ? (int) Math.min(len, maxBytes + 1L) : maxBytes + 1);
            if (b.length > maxBytes) {
                byte[] sink = new byte[8192]; // thrown away: see DRAIN_MAX_BYTES
                long drained = 0;
                for (int r; drained <= DRAIN_MAX_BYTES && (r = in.read(sink)) >= 0; ) {
                    drained += r;
                }
            }
        } catch (IOException e) {
            onError.accept(e);
            return;
        }
        onBody.accept(b);
    }

    /**
     * How much of a body over the limit is read and thrown away before the 413 goes out. Answering while the
     * client is still sending and then closing leaves unread bytes in the server's socket buffer, so the kernel
     * resets the connection, and a client still writing its body sees the reset instead of the 413 (an
     * {@code HttpClient} says "header parser received no bytes"; curl says "connection reset"). Web servers
     * drain for the same reason (nginx's lingering close). Past this many bytes the connection is closed
     * anyway and the client may see the reset.
     */
    long DRAIN_MAX_BYTES = 32L * 1024 * 1024;

    /** Writes the answer ({@code application/json}) and completes the exchange. */
    void answer(int status, byte[] json);

    static Exchange of(Context ctx) {
        return new Exchange() {
            @Override
            public String clientAddress() {
                return ctx.ip();
            }

            @Override
            public long contentLength() {
                return ctx.req().getContentLengthLong();
            }

            @Override
            public String header(String name) {
                return ctx.header(name);
            }

            @Override
            public String headerList(String name) {
                java.util.Enumeration<String> e = ctx.req().getHeaders(name);
                if (e == null || !e.hasMoreElements()) {
                    return null;
                }
                String first = e.nextElement();
                if (!e.hasMoreElements()) {
                    return first;
                }
                StringBuilder b = new StringBuilder(first);
                while (e.hasMoreElements()) {
                    b.append(',').append(e.nextElement());
                }
                return b.toString();
            }

            @Override
            public InputStream body() throws IOException {
                return ctx.req().getInputStream();
            }

            @Override
            public void responseHeader(String name, String value) {
                ctx.header(name, value);
            }

            @Override
            public void answer(int status, byte[] json) {
                // Straight to the servlet response: ctx.result() copied every answer through an input stream
                // and 8 KiB buffers (the largest allocation per beacon in a JFR profile of the bench).
                ctx.status(status).contentType("application/json");
                ctx.res().setContentLength(json.length);
                try {
                    ctx.res().getOutputStream().write(json);
                } catch (IOException e) {
                    // client gone: nothing to answer to (the events, if any, are in the producer's buffer)
                }
            }
        };
    }

    /** A plain Jetty 12 request; {@code callback} is completed by {@link #answer}. */
    static Exchange of(Request request, Response response, Callback callback) {
        return new Exchange() {
            @Override
            public String clientAddress() {
                return Request.getRemoteAddr(request);
            }

            @Override
            public long contentLength() {
                return request.getLength();
            }

            @Override
            public String header(String name) {
                return request.getHeaders().get(name);
            }

            @Override
            public String headerList(String name) {
                java.util.List<String> all = request.getHeaders().getValuesList(name);
                return all.isEmpty() ? null : all.size() == 1 ? all.get(0) : String.join(",", all);
            }

            @Override
            public InputStream body() {
                return Content.Source.asInputStream(request);
            }

            @Override
            public void readBody(int maxBytes, Consumer<byte[]> onBody, Consumer<IOException> onError) {
                new BodyReader(request, maxBytes, onBody, onError).run();
            }

            @Override
            public void responseHeader(String name, String value) {
                response.getHeaders().put(name, value);
            }

            @Override
            public void answer(int status, byte[] json) {
                response.setStatus(status);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, json.length);
                response.write(true, ByteBuffer.wrap(json), callback);
            }
        };
    }

    /**
     * Reads a Jetty request body chunk by chunk without blocking: when no content is there yet it asks
     * Jetty to call it again once there is ({@code demand}), so a slow client holds no thread (the
     * collector runs few request threads; see {@code collector.threads}). Hand-written: Jetty's
     * {@code Content.Source.asByteArrayAsync} fails a body over its limit instead of letting us answer 413.
     */
    final class BodyReader implements Runnable {
        private final Request request;
        private final int maxBytes;
        private final Consumer<byte[]> onBody;
        private final Consumer<IOException> onError;
        private byte[] buf;
        private int n;
        private long drained = -1; // >= 0 once over the limit: bytes thrown away since

        BodyReader(Request request, int maxBytes, Consumer<byte[]> onBody, Consumer<IOException> onError) {
            this.request = request;
            this.maxBytes = maxBytes;
            this.onBody = onBody;
            this.onError = onError;
            long len = request.getLength();
            this.buf = new byte[len >= 0 ? (int) Math.min(len, maxBytes + 1L) : 1024];
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk c = request.read();
                if (c == null) {
                    request.demand(this); // a plain Runnable: Jetty runs it on a pool thread
                    return;
                }
                if (Content.Chunk.isFailure(c)) {
                    Throwable t = c.getFailure();
                    onError.accept(t instanceof IOException io ? io : new IOException(t));
                    return;
                }
                ByteBuffer b = c.getByteBuffer();
                if (drained >= 0) { // over the limit already: throw away (see DRAIN_MAX_BYTES)
                    drained += b.remaining();
                    boolean last = c.isLast();
                    c.release();
                    if (last || drained > DRAIN_MAX_BYTES) {
                        onBody.accept(buf);
                        return;
                    }
                    continue;
                }
                int take = Math.min(b.remaining(), maxBytes + 1 - n);
                if (n + take > buf.length) {
                    buf = Arrays.copyOf(buf, Math.max(n + take, Math.min(maxBytes + 1, buf.length * 2)));
                }
                b.get(buf, n, take);
                n += take;
                boolean last = c.isLast();
                c.release();
                if (n > maxBytes && !last) { // over the limit: the caller answers 413 once the rest is drained
                    buf = n == buf.length ? buf : Arrays.copyOf(buf, n);
                    drained = 0;
                    continue;
                }
                if (last || n > maxBytes) {
                    onBody.accept(n == buf.length ? buf : Arrays.copyOf(buf, n));
                    return;
                }
            }
        }
    }
}
