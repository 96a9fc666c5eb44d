package dev.perfstream.ingest.collector;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
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
    /** The peer's address (never stored: only the rate limiter's key). */
    String clientAddress();

    /** Content-Length, or -1 when the body is chunked. */
    long contentLength();

    String header(String name);

    InputStream body() throws IOException;

    void responseHeader(String name, String value);

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
                    ctx.res().setStatus(status); // client gone; nothing else to do (the events, if any, are in the buffer)
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
            public InputStream body() {
                return Content.Source.asInputStream(request);
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
}
