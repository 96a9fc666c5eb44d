package dev.perfstream.ingest.source;

import dev.perfstream.ingest.otlp.Converted;
import dev.perfstream.ingest.otlp.OtlpConverter;
import dev.perfstream.ingest.otlp.OtlpDecoder;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OTLP batch record in, what to produce out: an event per accepted span or data point on the metrics
 * topic keyed by service, and, when the batch could not be read or some of its items were rejected, a dead
 * letter holding the whole batch and the reasons (each naming the item and the field). A pure function of
 * the record and the converter's stream state.
 */
final class OtlpRecords {
    private static final Logger LOG = LoggerFactory.getLogger(OtlpRecords.class);
    static final String STAGE = "otlp";

    private final OtlpSourceConfig config;
    private final OtlpConverter converter;
    private final RecordCodec<MetricEvent> events;
    private final RecordCodec<DeadLetter> deadLetters;
    private final Clock clock;

    OtlpRecords(OtlpSourceConfig config, OtlpConverter converter, RecordCodec<MetricEvent> events,
                RecordCodec<DeadLetter> deadLetters, Clock clock) {
        this.config = config;
        this.converter = converter;
        this.events = events;
        this.deadLetters = deadLetters;
        this.clock = clock;
    }

    List<ProducerRecord<String, byte[]>> process(ConsumerRecord<byte[], byte[]> r) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        if (r.value() == null) {
            out.add(deadLetter(r, "parse", "record has no value (null payload)"));
            return out;
        }
        Converted c;
        try {
            c = r.topic().equals(config.spansTopic()) ? converter.traces(OtlpDecoder.traces(r.value(), config.json()))
                : converter.metrics(OtlpDecoder.metrics(r.value(), config.json()));
        } catch (DecodeException e) {
            out.add(deadLetter(r, e.code(), e.getMessage()));
            return out;
        }
        for (MetricEvent e : c.events()) {
            out.add(new ProducerRecord<>(config.metricsTopic(), e.getService(), events.encode(config.metricsTopic(), e)));
        }
        if (c.rejected() > 0) {
            out.add(deadLetter(r, "validation", c.rejected() + " of the batch's " + (r.topic().equals(config.spansTopic())
                ? "spans" : "data points") + " rejected (the others were taken): " + c.errorMessage()));
        }
        return out;
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, String code, String reason) {
        LOG.warn("dead letter from {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), reason);
        DeadLetter d = DeadLetters.of(code, reason, STAGE, r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(),
            r.value(), clock.instant());
        return new ProducerRecord<>(config.deadletterTopic(), null, deadLetters.encode(config.deadletterTopic(), d));
    }
}
