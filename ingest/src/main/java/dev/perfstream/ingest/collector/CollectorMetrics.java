package dev.perfstream.ingest.collector;

import dev.perfstream.runtime.StatusServer;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The collector's own metrics, in a private registry (so two collectors in one JVM, as in tests,
 * do not share counters), exposed in the Prometheus text format on {@code GET /metrics} followed by
 * what every perfstream process serves ({@link StatusServer#scrape()}: JVM, Kafka clients, shared counters).
 */
final class CollectorMetrics {
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("perfstream_collector_requests")
        .help("HTTP requests by endpoint and status code").labelNames("endpoint", "status").register(registry);
    private final Counter rejects = Counter.builder().name("perfstream_collector_rejects")
        .help("Rejected requests and items by endpoint and reason").labelNames("endpoint", "reason").register(registry);
    private final Counter events = Counter.builder().name("perfstream_collector_events")
        .help("Events accepted into Kafka by topic").labelNames("topic").register(registry);
    private final Counter overflow = Counter.builder().name("perfstream_collector_route_overflow")
        .help("Events whose route or page went to the overflow bucket (per-app/service cap reached)").register(registry);
    private final Counter sendFailures = Counter.builder().name("perfstream_collector_send_failures")
        .help("Events answered 202 that Kafka then failed to store (beacons are answered once buffered), by topic and error")
        .labelNames("topic", "error").register(registry);
    private final Counter elementOverflow = Counter.builder().name("perfstream_collector_element_overflow")
        .help("RUM attribution elements or scripts sent to __overflow__ (collector.elements.per.app reached)").register(registry);
    private final Counter rumFieldsDropped = Counter.builder().name("perfstream_collector_rum_fields_dropped")
        .help("Optional beacon fields (version, sampleRate, navigationURL, attribution) dropped as invalid; the event was kept")
        .labelNames("field", "reason").register(registry);
    private final Counter clientAddresses = Counter.builder().name("perfstream_collector_client_address")
        .help("How each request's client (the rate limit's key) was found: peer, forwarded (right-most untrusted hop of the "
            + "forwarding header of a trusted proxy), obfuscated, ignored_untrusted (a forwarding header from a peer that is "
            + "not a trusted proxy), trusted_no_header, all_trusted, malformed, unknown, too_many_hops")
        .labelNames("source").register(registry);
    private final java.util.EnumMap<ClientAddresses.Source, io.prometheus.metrics.core.datapoints.CounterDataPoint> bySource =
        new java.util.EnumMap<>(ClientAddresses.Source.class);

    {
        for (ClientAddresses.Source s : ClientAddresses.Source.values()) {
            bySource.put(s, clientAddresses.labelValues(s.label));
        }
    }

    private final Histogram send = Histogram.builder().name("perfstream_collector_kafka_send_seconds")
        .help("Time from handing a record to the Kafka producer to its acknowledgement").unit(null)
        .classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
        .register(registry);

    void request(String endpoint, int status) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
    }

    void reject(String endpoint, String reason) {
        rejects.labelValues(endpoint, reason).inc();
    }

    void reject(String endpoint, String reason, int items) {
        rejects.labelValues(endpoint, reason).inc(items);
    }

    void elementOverflow() {
        elementOverflow.inc();
    }

    /** Attribution values sent to __overflow__ (tests). */
    double elementOverflows() {
        return elementOverflow.get();
    }

    void rumFieldDropped(String field, String reason) {
        rumFieldsDropped.labelValues(field, reason).inc();
    }

    /** Optional beacon fields dropped (tests). */
    double rumFieldsDropped(String field, String reason) {
        return rumFieldsDropped.labelValues(field, reason).get();
    }

    void clientAddress(ClientAddresses.Source source) {
        bySource.get(source).inc();
    }

    /** Requests whose client was found this way (tests). */
    double clientAddresses(ClientAddresses.Source source) {
        return bySource.get(source).get();
    }

    void accepted(String topic, int n) {
        events.labelValues(topic).inc(n);
    }

    void overflow() {
        overflow.inc();
    }

    void sendLatency(long nanos) {
        send.observe(nanos / 1e9);
    }

    void sendFailure(String topic, Exception e) {
        sendFailures.labelValues(topic, e.getClass().getSimpleName()).inc();
    }

    /** Records Kafka acknowledged so far, all topics (tests, progress output). */
    long acknowledged() {
        return send.collect().getDataPoints().stream().mapToLong(d -> d.getCount()).sum();
    }

    /** Events of {@code topic} that Kafka failed to store after they were accepted (tests, progress output). */
    double sendFailures(String topic) {
        return sendFailures.collect().getDataPoints().stream()
            .filter(d -> topic.equals(d.getLabels().get("topic"))).mapToDouble(d -> d.getValue()).sum();
    }

    /** Current value of a reject counter (tests, progress output). */
    double rejects(String endpoint, String reason) {
        return rejects.labelValues(endpoint, reason).get();
    }

    byte[] scrape() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
            // then what every perfstream process serves: the JVM, its Kafka producer (bridged), shared counters
            out.write(StatusServer.scrape("collector").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
