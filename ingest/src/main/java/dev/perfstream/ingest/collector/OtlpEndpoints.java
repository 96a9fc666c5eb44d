package dev.perfstream.ingest.collector;

import dev.perfstream.ingest.otlp.Converted;
import dev.perfstream.ingest.otlp.OtlpConverter;
import dev.perfstream.ingest.otlp.OtlpDecoder;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import io.javalin.http.Context;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.BufferExhaustedException;

/**
 * The OTLP/HTTP receiver behind {@code POST /v1/traces} and {@code POST /v1/metrics} (edge checks and
 * the body read are {@link CollectorApp}'s). The request is decoded and converted by
 * {@link OtlpConverter}; every accepted event goes to the metrics topic keyed by service, and the
 * answer waits for Kafka's acknowledgement of all of them, as for perfstream's own batches: 200 with
 * the export response, whose {@code partial_success} counts and explains the rejected spans or data
 * points; 400 with a {@code google.rpc.Status} when the body is no OTLP request (not retryable); 503
 * with {@code Retry-After} when Kafka did not take the events (retryable, per OTLP/HTTP).
 */
final class OtlpEndpoints {
    enum Signal { TRACES, METRICS }

    private final OtlpConverter converter;
    private final KafkaSink sink;
    private final RecordCodec<MetricEvent> codec;
    private final CollectorMetrics metrics;
    private final Executor responders;
    private final String topic;

    OtlpEndpoints(OtlpConverter converter, KafkaSink sink, RecordCodec<MetricEvent> codec, CollectorMetrics metrics,
                  Executor responders, String topic) {
        this.converter = converter;
        this.sink = sink;
        this.codec = codec;
        this.metrics = metrics;
        this.responders = responders;
        this.topic = topic;
    }

    void handle(Context ctx, String ep, Signal signal, byte[] body, boolean json) {
        Converted c;
        try {
            c = signal == Signal.TRACES ? converter.traces(OtlpDecoder.traces(body, json))
                : converter.metrics(OtlpDecoder.metrics(body, json));
        } catch (DecodeException e) {
            metrics.reject(ep, "bad_otlp");
            answer(ctx, ep, 400, OtlpAnswers.status(400, e.getMessage(), json), json);
            return;
        }
        int rejected = c.rejected();
        String message = c.errorMessage();
        if (rejected > 0) {
            metrics.reject(ep, "otlp_item", rejected);
        }
        send(ctx, ep, signal, c, rejected, message, json);
    }

    private void send(Context ctx, String ep, Signal signal, Converted c, int rejected, String message, boolean json) {
        CompletableFuture<?>[] fs = new CompletableFuture<?>[c.events().size()];
        for (int i = 0; i < fs.length; i++) {
            MetricEvent e = c.events().get(i);
            fs[i] = sink.send(topic, e.getService(), codec.encode(topic, e));
        }
        ctx.future(() -> CompletableFuture.allOf(fs).handleAsync((v, ex) -> {
            if (ex == null) {
                metrics.accepted(topic, fs.length);
                answer(ctx, ep, 200, signal == Signal.TRACES ? OtlpAnswers.traces(rejected, message, json)
                    : OtlpAnswers.metrics(rejected, message, json), json);
            } else {
                Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
                int stored = (int) Arrays.stream(fs).filter(f -> !f.isCompletedExceptionally()).count();
                metrics.accepted(topic, stored);
                metrics.reject(ep, cause instanceof BufferExhaustedException ? "kafka_buffer_full" : "kafka_unavailable");
                ctx.header("Retry-After", Answers.RETRY_AFTER_SECONDS);
                answer(ctx, ep, 503, OtlpAnswers.status(503, "Kafka did not accept " + (fs.length - stored) + " of "
                    + fs.length + " events (" + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                    + "); retry later", json), json);
            }
            return null;
        }, responders));
    }

    void answer(Context ctx, String ep, int status, byte[] body, boolean json) {
        metrics.request(ep, status);
        ctx.status(status).contentType(json ? OtlpAnswers.JSON : OtlpAnswers.PROTOBUF).result(body);
    }
}
