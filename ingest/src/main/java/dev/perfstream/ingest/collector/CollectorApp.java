package dev.perfstream.ingest.collector;

import dev.perfstream.ingest.collector.EdgeChecks.Kind;
import dev.perfstream.ingest.otlp.CumulativeStreams;
import dev.perfstream.ingest.otlp.OtlpConverter;
import dev.perfstream.ingest.otlp.OtlpDecoder;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.validate.EventValidator;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
 * cannot take more, 503 with Retry-After ({@link Answers} says why the two differ).
 *
 * <p>This class wires the endpoints; the edge checks are {@link EdgeChecks}, the answer policy {@link Answers},
 * readiness {@link CollectorReadiness}, the beacon hot path {@link BeaconHandler}, OTLP {@link OtlpEndpoints}.
 */
public final class CollectorApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CollectorApp.class);
    static final String SNIPPET_RESOURCE = "/dev/perfstream/ingest/collector/perfstream-rum.js";

    private final CollectorConfig config;
    private final Clock clock;
    private final CollectorMetrics metrics = new CollectorMetrics();
    private final EdgeChecks edge;
    private final Answers answers;
    private final CollectorReadiness readiness;
    private final KafkaSink sink;
    private final BeaconParser beacons;
    private final MetricBatchParser batches;
    private final OtlpEndpoints otlp;
    private final RecordCodec<RumEvent> rumCodec;
    private final RecordCodec<MetricEvent> metricCodec;
    private final byte[] snippet;
    /** Writes the answers of /v1/metrics once Kafka acknowledged (off the producer's I/O thread). */
    private final java.util.concurrent.ExecutorService responders = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "perfstream-collector-respond");
        t.setDaemon(true);
        return t;
    });
    private Javalin javalin;

    private CollectorApp(CollectorConfig config, Settings settings, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.edge = new EdgeChecks(config, metrics);
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
        this.snippet = loadSnippet();
        KafkaClients clients = KafkaClients.from(settings);
        this.sink = new KafkaSink(config, clients, metrics);
        this.answers = new Answers(metrics, sink, responders);
        OtlpConverter converter = new OtlpConverter(validator, routes::admit,
            new CumulativeStreams(config.otlpMaxStreams(), clock.millis() * 1_000_000));
        this.otlp = new OtlpEndpoints(converter, sink, metricCodec, metrics, responders, config.metricsTopic());
        this.readiness = new CollectorReadiness(config, sink, Admin.create(clients.admin(Map.of(
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000", AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000"))));
    }

    /** Starts the collector on {@code collector.host:collector.port} (port 0 = any free port). */
    public static CollectorApp start(Settings settings) {
        return start(settings, Clock.systemUTC());
    }

    static CollectorApp start(Settings settings, Clock clock) {
        CollectorConfig c = CollectorConfig.from(settings);
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("collector").writes(c.metricsTopic(), c.rumTopic()));
        CollectorApp app = new CollectorApp(c, settings, clock);
        app.readiness.warmUp();
        app.javalin = app.server().start(app.config.host(), app.config.port());
        app.readiness.schedule();
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
            cfg.routes.get("/readyz", readiness::answer);
            cfg.routes.get("/metrics", ctx -> ctx.contentType(CollectorMetrics.CONTENT_TYPE).result(metrics.scrape()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
                answers.respond(ctx, ctx.path(), 500, Answers.error("internal error; see the collector log"));
            });
        });
    }

    private void rum(Exchange ex) {
        // The body is read before the checks (at most collector.body.max.bytes + 1 bytes, without blocking a thread
        // on the Jetty path): answering while the client is still sending it would leave unread content, and Jetty
        // then closes the connection after the answer, which a client reusing the connection sees as a broken pipe.
        ex.readBody(config.maxBodyBytes(), body -> {
            try {
                edge.check(ex, Kind.BEACON, config.maxBodyBytes());
                if (body.length > config.maxBodyBytes()) {
                    throw EdgeChecks.tooLarge(-1, config.maxBodyBytes(), "collector.body.max.bytes");
                }
                Parsed<RumEvent> p = beacons.parse(JsonBodies.parse(body), ex.header("User-Agent"), clock.instant());
                answers.offer(ex, "rum", config.rumTopic(), p, RumEvent::getApp, rumCodec);
            } catch (RequestRejected r) {
                if (r.status == 413) {
                    ex.responseHeader("Connection", "close"); // past Exchange.DRAIN_MAX_BYTES the rest stays unread
                }
                answers.reject(ex, "rum", r);
            } catch (RuntimeException e) {
                LOG.error("unexpected error on POST /rum", e);
                answers.respond(ex, "rum", 500, Answers.error("internal error; see the collector log"));
            }
        }, e -> answers.reject(ex, "rum", EdgeChecks.unreadable(e)));
    }

    /**
     * /v1/metrics: OTLP (protobuf, or JSON with {@code resourceMetrics}) or a perfstream JSON batch, told apart
     * by content type and then by the body's top-level field.
     */
    private void metricBatch(Context ctx) {
        Exchange ex = Exchange.of(ctx);
        boolean proto = protobuf(ex);
        try {
            byte[] body = edge.admit(ex, Kind.OTLP, config.otlpMaxBodyBytes());
            if (proto || OtlpDecoder.looksLikeOtlpMetricsJson(body)) {
                otlp.handle(ctx, "otlp_metrics", OtlpEndpoints.Signal.METRICS, body, !proto);
                return;
            }
            if (body.length > config.maxBodyBytes()) {
                throw EdgeChecks.tooLarge(body.length, config.maxBodyBytes(), "collector.body.max.bytes");
            }
            Parsed<MetricEvent> p = batches.parse(JsonBodies.parse(body));
            answers.sendAndAwait(ctx, "metrics", config.metricsTopic(), p, MetricEvent::getService, metricCodec);
        } catch (RequestRejected r) {
            metrics.reject(proto ? "otlp_metrics" : "metrics", r.reason);
            if (proto) {
                otlp.answer(ctx, "otlp_metrics", r.status, OtlpAnswers.status(r.status, r.getMessage(), false), false);
            } else {
                answers.respond(ctx, "metrics", r.status, Answers.error(r.getMessage()));
            }
        }
    }

    /** /v1/traces: OTLP only, every answer in OTLP's form. */
    private void traces(Context ctx) {
        Exchange ex = Exchange.of(ctx);
        boolean json = !protobuf(ex);
        try {
            byte[] body = edge.admit(ex, Kind.OTLP, config.otlpMaxBodyBytes());
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

    private void snippet(Context ctx) {
        if (snippet == null) {
            ctx.status(404).result("perfstream-rum.js was not built into this jar (see ingest/README.md)");
            return;
        }
        ctx.header("Cache-Control", "public, max-age=3600").contentType("application/javascript; charset=utf-8").result(snippet);
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
        return readiness.ready();
    }

    CollectorMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        if (javalin != null) {
            javalin.stop();
        }
        readiness.close();
        sink.close();
        responders.shutdown();
    }
}
