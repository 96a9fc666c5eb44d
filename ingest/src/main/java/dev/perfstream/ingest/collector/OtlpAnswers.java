package dev.perfstream.ingest.collector;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Bodies of OTLP/HTTP answers, in the encoding of the request as OTLP/HTTP asks: the export response
 * (with {@code partial_success} when something was rejected) for 200, and a {@code google.rpc.Status}
 * for every error status. The Status message is written by hand (fields 1 code, 2 message): its class
 * lives in Google's common-protos jar, not worth a dependency for two fields.
 */
final class OtlpAnswers {
    static final String PROTOBUF = "application/x-protobuf";
    static final String JSON = "application/json";
    /** gRPC status codes used in Status bodies. */
    static final int INVALID_ARGUMENT = 3;
    static final int PERMISSION_DENIED = 7;
    static final int RESOURCE_EXHAUSTED = 8;
    static final int UNAVAILABLE = 14;
    static final int UNAUTHENTICATED = 16;

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private OtlpAnswers() {
    }

    static byte[] traces(int rejected, String message, boolean json) {
        ExportTraceServiceResponse.Builder r = ExportTraceServiceResponse.newBuilder();
        if (rejected > 0) {
            r.setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(rejected).setErrorMessage(message));
        }
        return encode(r.build(), json);
    }

    static byte[] metrics(int rejected, String message, boolean json) {
        ExportMetricsServiceResponse.Builder r = ExportMetricsServiceResponse.newBuilder();
        if (rejected > 0) {
            r.setPartialSuccess(ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(rejected).setErrorMessage(message));
        }
        return encode(r.build(), json);
    }

    /** The gRPC status code that goes with an HTTP error status. */
    static int grpcCode(int httpStatus) {
        return switch (httpStatus) {
            case 401 -> UNAUTHENTICATED;
            case 403 -> PERMISSION_DENIED;
            case 413, 429 -> RESOURCE_EXHAUSTED;
            case 502, 503, 504 -> UNAVAILABLE;
            default -> INVALID_ARGUMENT;
        };
    }

    static byte[] status(int httpStatus, String message, boolean json) {
        int code = grpcCode(httpStatus);
        if (json) {
            return JsonBodies.MAPPER.createObjectNode().put("code", code).put("message", message).toString()
                .getBytes(StandardCharsets.UTF_8);
        }
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(message.length() + 8);
            CodedOutputStream out = CodedOutputStream.newInstance(bos);
            out.writeInt32(1, code);
            out.writeString(2, message);
            out.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encode(Message m, boolean json) {
        if (!json) {
            return m.toByteArray();
        }
        try {
            return PRINTER.print(m).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
