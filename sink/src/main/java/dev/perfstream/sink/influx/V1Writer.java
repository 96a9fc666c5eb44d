package dev.perfstream.sink.influx;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import java.io.IOException;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okhttp3.ResponseBody;
import retrofit2.Call;
import retrofit2.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InfluxDB 1.x {@code /write} (also served by 2.x and 3.x) through {@link InfluxV1Service}.
 * Credentials go as {@code u}/{@code p} query parameters, which 1.x checks first; the client itself
 * is built without authentication so it adds no {@code Authorization: Token} header.
 */
final class V1Writer implements InfluxWriter {
    private static final Logger LOG = LoggerFactory.getLogger(V1Writer.class);
    private static final MediaType TEXT = MediaType.get("text/plain; charset=utf-8");

    private final SinkConfig c;
    private final InfluxDBClient client;
    private final InfluxV1Service service;

    V1Writer(SinkConfig c) {
        this.c = c;
        this.client = InfluxDBClientFactory.create(HttpClients.options(c).build());
        this.service = client.getService(InfluxV1Service.class);
    }

    @Override
    public void prepare() throws WriteFailure {
        String statement = "CREATE DATABASE \"" + c.database().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        String body = execute(service.query(c.username(), c.password(), statement), "CREATE DATABASE");
        // /query answers 200 with {"results":[{"error":"..."}]} when the statement itself failed.
        // A user without admin rights cannot create databases; the database may well exist: go on, and
        // let the first write tell (a 404 there is retried, and logged).
        if (body.contains("\"error\"")) {
            LOG.warn("CREATE DATABASE {} failed: {}", c.database(), body.trim());
        }
    }

    @Override
    public void write(List<String> lines) throws WriteFailure {
        RequestBody body = RequestBody.create(String.join("\n", lines), TEXT);
        execute(service.write(c.database(), c.retentionPolicy(), "ms", c.username(), c.password(), body), "write");
    }

    private String execute(Call<?> call, String what) throws WriteFailure {
        Response<?> r;
        try {
            r = call.execute();
        } catch (IOException | RuntimeException e) {
            throw new WriteFailure(0, what + " to " + c.influxUrl() + " got no answer: " + e, e);
        }
        if (!r.isSuccessful()) {
            throw new WriteFailure(r.code(), what + " to " + c.influxUrl() + " answered HTTP " + r.code() + ": "
                + errorBody(r), null);
        }
        Object b = r.body();
        if (b instanceof ResponseBody rb) {
            try (rb) {
                return rb.string();
            } catch (IOException e) {
                throw new WriteFailure(0, what + ": answer could not be read: " + e, e);
            }
        }
        return "";
    }

    private static String errorBody(Response<?> r) {
        try (ResponseBody e = r.errorBody()) {
            return e == null ? "" : e.string().trim();
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public String describe() {
        return "InfluxDB v1 /write at " + c.influxUrl() + " database " + c.database()
            + (c.retentionPolicy() == null ? "" : " rp " + c.retentionPolicy());
    }

    @Override
    public void close() {
        client.close();
    }
}
