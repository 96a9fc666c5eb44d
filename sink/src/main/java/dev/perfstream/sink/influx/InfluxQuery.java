package dev.perfstream.sink.influx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.ResponseBody;
import retrofit2.Response;

/**
 * InfluxQL reads ({@code POST /query}, InfluxDB 1.x and the 1.x compatibility API of 2.x) with the sink's connection
 * settings ({@code influx.url}, {@code influx.database}, credentials, trust store): what the report commands print.
 */
public final class InfluxQuery implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final SinkConfig c;
    private final InfluxDBClient client;
    private final InfluxV1Service service;

    public InfluxQuery(SinkConfig c) {
        this.c = c;
        this.client = InfluxDBClientFactory.create(HttpClients.options(c).build());
        this.service = client.getService(InfluxV1Service.class);
    }

    /**
     * Runs one SELECT: its rows as column -> value maps (times in epoch ms), in the order InfluxDB returns them.
     *
     * @throws IOException when InfluxDB does not answer, refuses, or reports an error for the statement
     */
    public List<Map<String, JsonNode>> select(String statement) throws IOException {
        Response<ResponseBody> r = service.query(c.database(), c.retentionPolicy(), "ms", c.username(), c.password(),
            statement).execute();
        String body;
        try (ResponseBody b = r.isSuccessful() ? r.body() : r.errorBody()) {
            body = b == null ? "" : b.string();
        }
        if (!r.isSuccessful()) {
            throw new IOException("InfluxDB at " + c.influxUrl() + " answered HTTP " + r.code() + ": " + body.trim());
        }
        JsonNode result = MAPPER.readTree(body).path("results").path(0);
        if (result.has("error")) {
            throw new IOException("InfluxDB at " + c.influxUrl() + ": " + result.get("error").asText());
        }
        List<Map<String, JsonNode>> rows = new ArrayList<>();
        for (JsonNode series : result.path("series")) {
            JsonNode columns = series.path("columns");
            for (JsonNode values : series.path("values")) {
                Map<String, JsonNode> row = new LinkedHashMap<>();
                series.path("tags").fields().forEachRemaining(e -> row.put(e.getKey(), e.getValue()));
                for (int i = 0; i < columns.size(); i++) {
                    row.put(columns.get(i).asText(), values.get(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @Override
    public void close() {
        client.close();
    }
}
