package dev.perfstream.ingest.collector;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.ingest.otlp.CumulativeStreams;
import dev.perfstream.ingest.otlp.OtlpConverter;
import dev.perfstream.ingest.otlp.OtlpDecoder;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.validate.EventValidator;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP collector: browser beacons on {@code POST /rum}, service batches on
 * {@code POST /v1/metrics}, OTLP/HTTP on {@code POST /v1/traces} and {@code POST /v1/metrics}
 * ({@link OtlpEndpoints}), the RUM snippet on {@code GET /perfstream-rum.js}, {@code /healthz},
 * {@code /readyz} and Prometheus metrics on {@code /metrics}. Javalin 7 on Jetty 12 (runs on Java 17).
 *
 * <p>Every request passes, in order: per-client rate limit (429), body size (413), CORS origin
 * allow-list (403), content type (415), API key for batches (401), JSON and field validation
 * (400 naming the field, or per-item rejections), then Kafka: a beacon is answered 202 once its events
 * are in the producer's bounded buffer, a batch once Kafka acknowledged every accepted event; when Kafka
 * cannot take more, 503 with Retry-After (the comment above {@code offer} says why the two differ).
 */
public final class CollectorApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CollectorApp.class);
    static final String SNIPPET_RESOURCE = "/dev/perfstream/ingest/collector/perfstream-rum.js";
    static final String RETRY_AFTER_SECONDS = "5";

    private final CollectorConfig config;
    private final Clock clock;
    private final CollectorMetrics metrics = new CollectorMetrics();
    private final ClientRateLimiter limiter;
    private final ClientAddresses clients;
    private final KafkaSink sink;
    private final BeaconParser beacons;
    private final MetricBatchParser batches;
    private final OtlpEndpoints otlp;
    private final RecordCodec<RumEvent> rumCodec;
    private final RecordCodec<MetricEvent> metricCodec;
    private final List<byte[]> apiKeys = new ArrayList<>();
    private final byte[] snippet;
    private final Admin admin;
    private final ScheduledExecutorService readiness = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "perfstream-collector-readiness");
        t.setDaemon(true);
        return t;
    });
    /** Writes the answers of /v1/metrics once Kafka acknowledged (off the producer's I/O thread). */
    private final java.util.concurrent.ExecutorService responders = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "perfstream-collector-respond");
        t.setDaemon(true);
        return t;
    });
    private volatile String notReady = "not checked yet";
    private Javalin javalin;

    private CollectorApp(CollectorConfig config, Settings settings, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.limiter = new ClientRateLimiter(config.ratePerClient(), config.burstPerClient(), System::nanoTime);
        this.clients = new ClientAddresses(config.trustedProxies(), config.forwardedHeader());
        EventValidator validator = EventValidator.withDefaults(clock);
        RouteCap routes = new RouteCap(config.routesPerApp(), metrics);
        String salt = config.sessionSalt();
        if (salt == null) {
            salt = UUID.randomUUID().toString();
            LOG.warn("collector.session.salt is not set: session hashes use a random salt and change on restart");
        }
        RumAttribution attribution = new RumAttribution(new RouteCap(config.elementsPerApp(), metrics::elementOverflow), metrics::rumFieldDropped);
        this.beacons = new BeaconParser(validator, routes, new SessionHasher(salt), config.maxEventsPerRequest(), attribution,
            metrics::rumFieldDropped);
        this.batches = new MetricBatchParser(validator, routes, config.maxEventsPerRequest());
        this.rumCodec = Codecs.create(RumEvent.getClassSchema(), settings);
        this.metricCodec = Codecs.create(MetricEvent.getClassSchema(), settings);
        config.apiKeys().forEach(k -> apiKeys.add(k.getBytes(StandardCharsets.UTF_8)));
        this.snippet = loadSnippet();
        KafkaClients clients = KafkaClients.from(settings);
        this.sink = new KafkaSink(config, clients, metrics);
        OtlpConverter converter = new OtlpConverter(validator, routes::admit,
            new CumulativeStreams(config.otlpMaxStreams(), clock.millis() * 1_000_000));
        this.otlp = new OtlpEndpoints(converter, sink, metricCodec, metrics, responders, config.metricsTopic());
        this.admin = Admin.create(clients.admin(Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000",
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000")));
    }

    /** Starts the collector on {@code collector.host:collector.port} (port 0 = any free port). */
    public static CollectorApp start(Settings settings) {
        return start(settings, Clock.systemUTC());
    }

    static CollectorApp start(Settings settings, Clock clock) {
        CollectorConfig c = CollectorConfig.from(settings);
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("collector").writes(c.metricsTopic(), c.rumTopic()));
        CollectorApp app = new CollectorApp(c, settings, clock);
        app.warmUp();
        app.javalin = app.server().start(app.config.host(), app.config.port());
        app.readiness.scheduleWithFixedDelay(app::checkKafka, 5, 5, TimeUnit.SECONDS);
        LOG.info("collector listening on http://{}:{} (beacons -> {}, batches -> {})", app.config.host(), app.port(),
            app.config.rumTopic(), app.config.metricsTopic());
        return app;
    }

    private Javalin server() {
        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = Math.max(config.maxBodyBytes(), config.otlpMaxBodyBytes());
            // Request work is CPU only (no request thread waits for Kafka, nor for a slow beacon body), so a small
            // pool queues requests instead of time-slicing runnable threads on a few cores (Javalin's default is
            // 250). On 2 cores, 32 threads cost about twice the CPU per beacon of 8: the threads queue on the Kafka
            // producer's locks (its partition deque, metadata, idempotence state) and switch context.
            QueuedThreadPool pool = new QueuedThreadPool(config.threads(), Math.min(8, config.threads()));
            pool.setName("perfstream-collector-http");
            // No reserved threads: with them Jetty's selector runs each request itself and wakes a parked reserved
            // thread to take over selecting (13.5 % of the collector's CPU in a perf profile); without, it queues the
            // request to the pool. Back to back on 2 cores: 69-72 us vs 88-93 us of CPU per beacon.
            pool.setReservedThreads(0);
            cfg.jetty.threadPool = pool;
            cfg.http.asyncTimeout = config.sendTimeout().toMillis() + 5_000;
            if (!config.corsOrigins().isEmpty()) {
                cfg.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
                    if (config.corsOrigins().contains("*")) {
                        rule.anyHost();
                    } else {
                        List<String> o = config.corsOrigins();
                        rule.allowHost(o.get(0), o.subList(1, o.size()).toArray(new String[0]));
                    }
                    rule.maxAge = 3600;
                }));
            }
            // POST /rum is answered by a plain Jetty handler in front of Javalin (BeaconHandler); this route
            // serves the same code for what reaches Javalin anyway (e.g. "/rum/").
            cfg.jetty.modifyServer(server -> server.setHandler(new BeaconHandler(this::rum, config.corsOrigins())));
            cfg.routes.post("/rum", ctx -> rum(Exchange.of(ctx)));
            cfg.routes.post("/v1/metrics", this::metricBatch);
            cfg.routes.post("/v1/traces", this::traces);
            cfg.routes.get("/perfstream-rum.js", this::snippet);
            cfg.routes.get("/healthz", ctx -> ctx.json(java.util.Map.of("status", "up")));
            cfg.routes.get("/readyz", this::ready);
            cfg.routes.get("/metrics", ctx -> ctx.contentType(CollectorMetrics.CONTENT_TYPE).result(metrics.scrape()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
                respond(ctx, ctx.path(), 500, error("internal error; see the collector log"));
            });
        });
    }

    private void rum(Exchange ex) {
        // The body is read before the checks (at most collector.body.max.bytes + 1 bytes, without blocking a thread
        // on the Jetty path): answering while the client is still sending it would leave unread content, and Jetty
        // then closes the connection after the answer, which a client reusing the connection sees as a broken pipe.
        ex.readBody(config.maxBodyBytes(), body -> {
            try {
                checkEdge(ex, "rum", Kind.BEACON);
                if (body.length > config.maxBodyBytes()) {
                    throw tooLarge(-1);
                }
                Parsed<RumEvent> p = beacons.parse(JsonBodies.parse(body), ex.header("User-Agent"), clock.instant());
                offer(ex, "rum", config.rumTopic(), p, RumEvent::getApp, rumCodec);
            } catch (RequestRejected r) {
                if (r.status == 413) {
                    ex.responseHeader("Connection", "close"); // past Exchange.DRAIN_MAX_BYTES the rest stays unread
                }
                reject(ex, "rum", r);
            } catch (RuntimeException e) {
                LOG.error("unexpected error on POST /rum", e);
                respond(ex, "rum", 500, error("internal error; see the collector log"));
            }
        }, e -> reject(ex, "rum", unreadable(e)));
    }

    /** What a POST endpoint takes: its content types, and whether it needs an API key. */
    enum Kind { BEACON, OTLP }

    /**
     * /v1/metrics: OTLP (protobuf, or JSON with {@code resourceMetrics}) or a perfstream JSON batch, told apart
     * by content type and then by the body's top-level field.
     */
    private void metricBatch(Context ctx) {
        Exchange ex = Exchange.of(ctx);
        boolean proto = protobuf(ex);
        try {
            byte[] body = admit(ex, "metrics", Kind.OTLP, config.otlpMaxBodyBytes());
            if (proto || OtlpDecoder.looksLikeOtlpMetricsJson(body)) {
                otlp.handle(ctx, "otlp_metrics", OtlpEndpoints.Signal.METRICS, body, !proto);
                return;
            }
            if (body.length > config.maxBodyBytes()) {
                throw tooLarge(body.length, config.maxBodyBytes(), "collector.body.max.bytes");
            }
            Parsed<MetricEvent> p = batches.parse(JsonBodies.parse(body));
            sendAndAwait(ctx, "metrics", config.metricsTopic(), p, MetricEvent::getService, metricCodec);
        } catch (RequestRejected r) {
            metrics.reject(proto ? "otlp_metrics" : "metrics", r.reason);
            if (proto) {
                otlp.answer(ctx, "otlp_metrics", r.status, OtlpAnswers.status(r.status, r.getMessage(), false), false);
            } else {
                respond(ctx, "metrics", r.status, error(r.getMessage()));
            }
        }
    }

    /** /v1/traces: OTLP only, every answer in OTLP's form. */
    private void traces(Context ctx) {
        Exchange ex = Exchange.of(ctx);
        boolean json = !protobuf(ex);
        try {
            byte[] body = admit(ex, "otlp_traces", Kind.OTLP, config.otlpMaxBodyBytes());
            otlp.handle(ctx, "otlp_traces", OtlpEndpoints.Signal.TRACES, body, json);
        } catch (RequestRejected r) {
            metrics.reject("otlp_traces", r.reason);
            otlp.answer(ctx, "otlp_traces", r.status, OtlpAnswers.status(r.status, r.getMessage(), json), json);
        }
    }

    private static boolean protobuf(Exchange ex) {
        String ct = ex.header("Content-Type");
        return ct != null && ct.toLowerCase(Locale.ROOT).startsWith(OtlpAnswers.PROTOBUF);
    }

    /** The edge checks and the (blocking) body read of a service endpoint, gzip inflated; returns the body. */
    private byte[] admit(Exchange ctx, String ep, Kind kind, int limit) throws RequestRejected {
        checkEdge(ctx, ep, kind, limit);
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

    private static RequestRejected unreadable(IOException e) {
        return new RequestRejected(400, "bad_body", "could not read the request body: " + e.getMessage());
    }

    /** The checks both POST endpoints make before reading the body, in order. */
    private void checkEdge(Exchange ctx, String ep, Kind kind) throws RequestRejected {
        checkEdge(ctx, ep, kind, config.maxBodyBytes());
    }

    private void checkEdge(Exchange ctx, String ep, Kind kind, int limit) throws RequestRejected {
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

    private RequestRejected tooLarge(long len) {
        return tooLarge(len, config.maxBodyBytes(), "collector.body.max.bytes");
    }

    private static RequestRejected tooLarge(long len, int limit, String key) {
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

    /*
     * When the collector answers, and why it differs by endpoint.
     *
     * /rum answers 202 as soon as every event of the beacon is in the producer's bounded buffer, without
     * waiting for Kafka's acknowledgement. navigator.sendBeacon (and the snippet's fetch-keepalive
     * fallback) never reads the answer and never retries, so waiting for acks=all would give the browser
     * nothing, while it would tie each beacon's exchange to the broker's round trip (throughput =
     * connections / ack latency). The contract of issue 7 holds: the buffer is bounded
     * (collector.producer.buffer.bytes); when the producer cannot take a record (buffer full, Kafka
     * unreachable so the topic's metadata is gone) the send is refused at once (max.block.ms=0) and the
     * beacon gets 503 + Retry-After; an event Kafka fails to store after the 202 (broker lost within
     * collector.send.timeout) is counted in perfstream_collector_send_failures and logged, not dropped
     * silently. This is how OpenTelemetry's collector (sending queue) and Snowplow's collector behave.
     *
     * /v1/metrics (services, which can retry) keeps the stronger answer: 202 only once Kafka acknowledged
     * every accepted event (acks=all), else 503. The wait is asynchronous (ctx.future): no Jetty thread is
     * held, and the answer is written on the `responders` pool, never on the producer's single I/O thread
     * (the callbacks complete there; writing HTTP responses on it serialised every request behind it and
     * starved the producer: half its samples in a JFR profile were Jetty response writes).
     */
    private <T> void offer(Exchange ctx, String ep, String topic, Parsed<T> p, Function<T, String> key, RecordCodec<T> codec) {
        p.rejected().forEach(r -> metrics.reject(ep, r.code()));
        if (p.accepted().isEmpty()) {
            respond(ctx, ep, 400, outcome(p, "no item was valid"));
            return;
        }
        int n = 0;
        for (T e : p.accepted()) {
            RuntimeException refused = sink.offer(topic, key.apply(e), codec.encode(topic, e));
            if (refused != null) {
                metrics.accepted(topic, n);
                ctx.responseHeader("Retry-After", RETRY_AFTER_SECONDS);
                respond(ctx, ep, 503, unavailable(ep, refused, n, p.accepted().size()));
                return;
            }
            n++;
        }
        metrics.accepted(topic, n);
        if (p.rejected().isEmpty()) {
            // The common case, without a JSON tree.
            metrics.request(ep, 202);
            ctx.answer(202, ("{\"accepted\":" + n + ",\"rejected\":[]}").getBytes(StandardCharsets.UTF_8));
        } else {
            respond(ctx, ep, 202, outcome(p, null));
        }
    }

    private <T> void sendAndAwait(Context ctx, String ep, String topic, Parsed<T> p, Function<T, String> key, RecordCodec<T> codec) {
        p.rejected().forEach(r -> metrics.reject(ep, r.code()));
        if (p.accepted().isEmpty()) {
            respond(ctx, ep, 400, outcome(p, "no item was valid"));
            return;
        }
        CompletableFuture<?>[] fs = new CompletableFuture<?>[p.accepted().size()];
        for (int i = 0; i < fs.length; i++) {
            T e = p.accepted().get(i);
            fs[i] = sink.send(topic, key.apply(e), codec.encode(topic, e));
        }
        ctx.future(() -> CompletableFuture.allOf(fs).handleAsync((v, ex) -> {
            if (ex == null) {
                metrics.accepted(topic, fs.length);
                respond(ctx, ep, 202, outcome(p, null));
            } else {
                Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
                int stored = (int) java.util.Arrays.stream(fs).filter(f -> !f.isCompletedExceptionally()).count();
                metrics.accepted(topic, stored);
                ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                respond(ctx, ep, 503, unavailable(ep, cause, stored, fs.length));
            }
            return null;
        }, responders));
    }

    /** The body of a 503 (sent with Retry-After): Kafka did not take the events (all, or those after the first {@code stored}). */
    private ObjectNode unavailable(String ep, Throwable cause, int stored, int total) {
        boolean full = cause instanceof BufferExhaustedException;
        metrics.reject(ep, full ? "kafka_buffer_full" : "kafka_unavailable");
        ObjectNode body = error((full ? "the collector's Kafka buffer is full" : "Kafka did not accept the events")
            + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "); retry later");
        return body.put("accepted", stored).put("refused", total - stored);
    }

    private void reject(Exchange ex, String ep, RequestRejected r) {
        metrics.reject(ep, r.reason);
        respond(ex, ep, r.status, error(r.getMessage()));
    }

    private void respond(Exchange ex, String ep, int status, ObjectNode body) {
        metrics.request(ep, status);
        ex.answer(status, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void respond(Context ctx, String ep, int status, ObjectNode body) {
        metrics.request(ep, status);
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    private static ObjectNode error(String message) {
        return JsonBodies.MAPPER.createObjectNode().put("error", message);
    }

    private static <T> ObjectNode outcome(Parsed<T> p, String error) {
        ObjectNode o = JsonBodies.MAPPER.createObjectNode();
        if (error != null) {
            o.put("error", error);
        }
        o.put("accepted", error == null ? p.accepted().size() : 0);
        ArrayNode rej = o.putArray("rejected");
        for (Parsed.Rejection r : p.rejected()) {
            rej.addObject().put("index", r.index()).put("reason", r.reason());
        }
        return o;
    }

    private void snippet(Context ctx) {
        if (snippet == null) {
            ctx.status(404).result("perfstream-rum.js was not built into this jar (see ingest/README.md)");
            return;
        }
        ctx.header("Cache-Control", "public, max-age=3600").contentType("application/javascript; charset=utf-8").result(snippet);
    }

    private void ready(Context ctx) {
        String why = notReady;
        if (why == null) {
            ctx.json(java.util.Map.of("status", "ready"));
        } else {
            ctx.status(503).json(java.util.Map.of("status", "not ready", "reason", why));
        }
    }

    /** Waits up to 5 s for Kafka's topic metadata so the first requests do not fail; starts anyway if Kafka is down. */
    private void warmUp() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> topics = List.of(config.rumTopic(), config.metricsTopic());
        while (!sink.warm(topics) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        checkKafka();
        if (notReady != null) {
            LOG.warn("collector starting without Kafka: {}; requests get 503 until it is reachable", notReady);
        }
    }

    private void checkKafka() {
        sink.warm(List.of(config.rumTopic(), config.metricsTopic()));
        try {
            admin.describeTopics(List.of(config.rumTopic(), config.metricsTopic())).allTopicNames().get(4, TimeUnit.SECONDS);
            notReady = null;
        } catch (Exception e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            notReady = "Kafka at " + config.bootstrapServers() + " or topics " + config.rumTopic() + ", "
                + config.metricsTopic() + " unavailable: " + c.getMessage();
        }
    }

    private static byte[] loadSnippet() {
        try (InputStream in = CollectorApp.class.getResourceAsStream(SNIPPET_RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** The bound port (useful with {@code collector.port=0}). */
    public int port() {
        return javalin.port();
    }

    /** Whether the last Kafka check succeeded. */
    public boolean ready() {
        return notReady == null;
    }

    CollectorMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        readiness.shutdownNow();
        if (javalin != null) {
            javalin.stop();
        }
        sink.close();
        responders.shutdown();
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
