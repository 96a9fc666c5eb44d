package dev.perfstream.ingest.collector;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.serde.RecordCodec;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.apache.kafka.clients.producer.BufferExhaustedException;

/** The collector's answer policy: what goes to Kafka, and when and how each endpoint answers. */
final class Answers {
    static final String RETRY_AFTER_SECONDS = "5";

    private final CollectorMetrics metrics;
    private final KafkaSink sink;
    private final ExecutorService responders;

    /** {@code responders} writes the answers that wait for Kafka (see below). */
    Answers(CollectorMetrics metrics, KafkaSink sink, ExecutorService responders) {
        this.metrics = metrics;
        this.sink = sink;
        this.responders = responders;
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
    <T> void offer(Exchange ctx, String ep, String topic, Parsed<T> p, Function<T, String> key, RecordCodec<T> codec) {
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

    <T> void sendAndAwait(Context ctx, String ep, String topic, Parsed<T> p, Function<T, String> key, RecordCodec<T> codec) {
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

    void reject(Exchange ex, String ep, RequestRejected r) {
        metrics.reject(ep, r.reason);
        respond(ex, ep, r.status, error(r.getMessage()));
    }

    void respond(Exchange ex, String ep, int status, ObjectNode body) {
        metrics.request(ep, status);
        ex.answer(status, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    void respond(Context ctx, String ep, int status, ObjectNode body) {
        metrics.request(ep, status);
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    static ObjectNode error(String message) {
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
}
