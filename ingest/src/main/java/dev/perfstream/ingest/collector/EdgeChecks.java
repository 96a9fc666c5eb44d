package dev.perfstream.ingest.collector;

import dev.perfstream.ingest.otlp.OtlpDecoder;
import dev.perfstream.schemas.serde.DecodeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The collector's edge: what a POST must pass before its body is parsed. Per-client rate limit (429), body
 * size (413), CORS origin allow-list (403), content type (415), API key for service endpoints (401); for
 * service endpoints also the content encoding (415) and the gzip-inflated size.
 */
final class EdgeChecks {
    /** What a POST endpoint takes: its content types, and whether it needs an API key. */
    enum Kind { BEACON, OTLP }

    private final CollectorConfig config;
    private final CollectorMetrics metrics;
    private final ClientRateLimiter limiter;
    private final ClientAddresses clients;
    private final List<byte[]> apiKeys = new ArrayList<>();

    EdgeChecks(CollectorConfig config, CollectorMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.limiter = new ClientRateLimiter(config.ratePerClient(), config.burstPerClient(), System::nanoTime);
        this.clients = new ClientAddresses(config.trustedProxies(), config.forwardedHeader());
        config.apiKeys().forEach(k -> apiKeys.add(k.getBytes(StandardCharsets.UTF_8)));
    }

    /** The edge checks and the (blocking) body read of a service endpoint, gzip inflated; returns the body. */
    byte[] admit(Exchange ctx, Kind kind, int limit) throws RequestRejected {
        check(ctx, kind, limit);
        String encoding = ctx.header("Content-Encoding");
        boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
        if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
            throw new RequestRejected(415, "content_encoding", "Content-Encoding must be gzip or identity, got " + encoding);
        }
        byte[][] body = new byte[1][];
        IOException[] failed = new IOException[1];
        ctx.readBody(limit, b -> body[0] = b, e -> failed[0] = e);
        if (failed[0] != null) {
            throw unreadable(failed[0]);
        }
        if (body[0].length > limit) {
            throw tooLarge(-1, limit, "collector.otlp.body.max.bytes");
        }
        if (!gzip) {
            return body[0];
        }
        try {
            return OtlpDecoder.gunzip(body[0], limit);
        } catch (DecodeException e) {
            throw e.code().equals("too-large") ? new RequestRejected(413, "body_too_large", e.getMessage()
                + " (collector.otlp.body.max.bytes)") : new RequestRejected(400, "bad_body", e.getMessage());
        }
    }

    static RequestRejected unreadable(IOException e) {
        return new RequestRejected(400, "bad_body", "could not read the request body: " + e.getMessage());
    }

    /** The checks every POST endpoint makes before it reads the body, in order (see {@link CollectorApp}). */
    void check(Exchange ctx, Kind kind, int limit) throws RequestRejected {
        boolean needsKey = kind == Kind.OTLP;
        ClientAddresses.Client client = clients.resolve(ctx.clientAddress(), ctx.headerList(clients.header().name));
        metrics.clientAddress(client.source());
        if (!limiter.tryAcquire(client.key())) {
            ctx.responseHeader("Retry-After", "1");
            throw new RequestRejected(429, "rate_limited", "too many requests from this client; limit "
                + config.ratePerClient() + "/s with bursts of " + config.burstPerClient());
        }
        long len = ctx.contentLength();
        if (len > limit) {
            throw tooLarge(len, limit, kind == Kind.OTLP ? "collector.otlp.body.max.bytes" : "collector.body.max.bytes");
        }
        String origin = ctx.header("Origin");
        if (origin != null && !originAllowed(origin, ctx)) {
            throw new RequestRejected(403, "cors_origin", "origin " + origin + " is not in collector.cors.origins");
        }
        String ct = ctx.header("Content-Type") == null ? "" : ctx.header("Content-Type").toLowerCase(Locale.ROOT);
        boolean json = ct.startsWith("application/json");
        if (needsKey ? !(json || ct.startsWith(OtlpAnswers.PROTOBUF)) : !(json || ct.startsWith("text/plain") || ct.isEmpty())) {
            throw new RequestRejected(415, "content_type", "Content-Type must be "
                + (needsKey ? "application/json or application/x-protobuf (OTLP)"
                    : "text/plain (as navigator.sendBeacon sends) or application/json")
                + ", got " + (ct.isEmpty() ? "none" : ct));
        }
        if (needsKey && !keyValid(ctx)) {
            ctx.responseHeader("WWW-Authenticate", "Bearer");
            throw new RequestRejected(401, "unauthorized", apiKeys.isEmpty()
                ? "no API keys are configured (collector.api.keys); /v1/metrics and /v1/traces are closed"
                : "missing or unknown API key (Authorization: Bearer KEY, or X-API-Key)");
        }
    }

    static RequestRejected tooLarge(long len, int limit, String key) {
        return new RequestRejected(413, "body_too_large", "request body " + (len >= 0 ? "of " + len + " bytes " : "")
            + "is over the limit of " + limit + " bytes (" + key + ")");
    }

    private boolean originAllowed(String origin, Exchange ctx) {
        List<String> allowed = config.corsOrigins();
        String host = ctx.header("Host");
        boolean same = host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
        return same || allowed.contains("*") || allowed.contains(origin);
    }

    private boolean keyValid(Exchange ctx) {
        String auth = ctx.header("Authorization");
        String key = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : ctx.header("X-API-Key");
        if (key == null) {
            return false;
        }
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] a : apiKeys) {
            ok |= MessageDigest.isEqual(a, k); // constant time per key
        }
        return ok;
    }
}
