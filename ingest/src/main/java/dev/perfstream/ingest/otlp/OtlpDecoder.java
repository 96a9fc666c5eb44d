package dev.perfstream.ingest.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.perfstream.schemas.serde.DecodeException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Bytes of an OTLP export request (binary protobuf, or OTLP's JSON encoding) to the request message.
 * JSON goes through protobuf-java-util's {@link JsonFormat}, which accepts what OTLP/JSON allows
 * (lowerCamelCase or original field names, enums as integers, 64-bit integers as strings or numbers)
 * and ignores unknown fields as OTLP asks. Two differences from OTLP/JSON it does not know: trace and
 * span ids are hex in OTLP and base64 for JsonFormat (hex ids are valid base64 and perfstream does not
 * use ids, so this only garbles values nobody reads), and enum names it reads as names. A request with
 * nothing in it is refused: it is most likely JSON that is not OTLP.
 */
public final class OtlpDecoder {
    private static final JsonFormat.Parser JSON = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFactory SNIFFER = new JsonFactory();

    private OtlpDecoder() {
    }

    public static ExportTraceServiceRequest traces(byte[] body, boolean json) throws DecodeException {
        ExportTraceServiceRequest r = json ? json(body, ExportTraceServiceRequest.newBuilder()) : proto(body, ExportTraceServiceRequest.parser()::parseFrom);
        if (r.getResourceSpansCount() == 0) {
            throw new DecodeException("format", "the request has no resourceSpans: " + (json
                ? "JSON that is not an OTLP ExportTraceServiceRequest ({\"resourceSpans\":[...]})" : "an empty export request"));
        }
        return r;
    }

    public static ExportMetricsServiceRequest metrics(byte[] body, boolean json) throws DecodeException {
        ExportMetricsServiceRequest r = json ? json(body, ExportMetricsServiceRequest.newBuilder()) : proto(body, ExportMetricsServiceRequest.parser()::parseFrom);
        if (r.getResourceMetricsCount() == 0) {
            throw new DecodeException("format", "the request has no resourceMetrics: " + (json
                ? "JSON that is not an OTLP ExportMetricsServiceRequest ({\"resourceMetrics\":[...]})" : "an empty export request"));
        }
        return r;
    }

    /**
     * Whether a JSON body is an OTLP metrics request rather than a perfstream batch (an array, or an object
     * with {@code events}): its top-level object has a {@code resourceMetrics} field. Reads tokens only;
     * malformed JSON answers false (the batch parser then names the error).
     */
    public static boolean looksLikeOtlpMetricsJson(byte[] body) {
        try (JsonParser p = SNIFFER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                if (p.currentName().equals("resourceMetrics") || p.currentName().equals("resource_metrics")) {
                    return true;
                }
                p.nextToken();
                p.skipChildren();
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private interface ProtoParser<T> {
        T parse(byte[] b) throws InvalidProtocolBufferException;
    }

    private static <T> T proto(byte[] body, ProtoParser<T> p) throws DecodeException {
        try {
            return p.parse(body);
        } catch (InvalidProtocolBufferException e) {
            throw new DecodeException("parse", "not a valid OTLP protobuf message (truncated or not protobuf?): " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Message> T json(byte[] body, Message.Builder b) throws DecodeException {
        try {
            JSON.merge(new String(body, StandardCharsets.UTF_8), b);
            return (T) b.build();
        } catch (InvalidProtocolBufferException e) {
            throw new DecodeException("parse", "not OTLP JSON: " + e.getMessage());
        } catch (RuntimeException e) { // JsonFormat lets Gson's parse errors through on some malformed input
            throw new DecodeException("parse", "not OTLP JSON: " + e.getMessage());
        }
    }

    /**
     * Inflates a gzip body, at most {@code maxBytes} of it (a small gzip body can inflate to gigabytes).
     *
     * @throws DecodeException {@code parse} when it is not gzip, {@code too-large} when it inflates past the limit
     */
    public static byte[] gunzip(byte[] body, int maxBytes) throws DecodeException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            byte[] b = in.readNBytes(maxBytes + 1);
            if (b.length > maxBytes) {
                throw new DecodeException("too-large", "the gzip body inflates to more than " + maxBytes + " bytes");
            }
            return b;
        } catch (IOException e) {
            throw new DecodeException("parse", "Content-Encoding is gzip but the body is not valid gzip: " + e.getMessage());
        }
    }
}
