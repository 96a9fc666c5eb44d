package dev.perfstream.streams.alerts.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON serde of {@link AlertStatus} for the state store and its changelog: internal, so readable
 * JSON (kcat on the changelog shows it) beats a schema; unknown fields are ignored so a newer
 * version can add some. NaN is written as a JSON token, which Jackson reads back.
 */
public final class AlertStatusSerde implements Serde<AlertStatus> {
    private static final ObjectMapper JSON = JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .build();

    @Override
    public Serializer<AlertStatus> serializer() {
        return (topic, v) -> {
            if (v == null) {
                return null;
            }
            try {
                return JSON.writeValueAsBytes(v);
            } catch (JsonProcessingException e) {
                throw new SerializationException("cannot write alert status: " + e.getMessage(), e);
            }
        };
    }

    @Override
    public Deserializer<AlertStatus> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return JSON.readValue(bytes, AlertStatus.class);
            } catch (IOException e) {
                throw new SerializationException("cannot read alert status: " + e.getMessage(), e);
            }
        };
    }
}
