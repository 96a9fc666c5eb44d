package dev.perfstream.sink.influx;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.WriteApiBlocking;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import java.util.List;

/**
 * InfluxDB {@code /api/v2/write} (2.x, 3.x, Cloud, 1.8+) through {@link WriteApiBlocking}: it
 * returns only after the server acknowledged the request and throws otherwise. The non-blocking
 * {@code WriteApi} is never used: it drops data silently on errors. The bucket must exist (the
 * sink does not create v2 buckets). Without {@code influx.token}, {@code username:password} is sent
 * as the token, which is what InfluxDB 1.8+ expects on its v2 compatibility endpoints.
 */
final class V2Writer implements InfluxWriter {
    /** The organisation InfluxDB 1.8+ ignores; the client insists on a non-empty one. */
    static final String NO_ORG = "-";

    private final SinkConfig c;
    private final String org;
    private final InfluxDBClient client;
    private final WriteApiBlocking api;

    V2Writer(SinkConfig c) {
        this.c = c;
        this.org = c.org() == null ? NO_ORG : c.org();
        InfluxDBClientOptions.Builder b = HttpClients.options(c).org(org).bucket(c.bucket()).precision(WritePrecision.MS);
        if (c.token() != null) {
            b.authenticateToken(c.token().toCharArray());
        } else if (c.username() != null) {
            b.authenticateToken((c.username() + ":" + c.password()).toCharArray());
        }
        this.client = InfluxDBClientFactory.create(b.build());
        this.api = client.getWriteApiBlocking();
    }

    @Override
    public void prepare() {
        // Buckets are created by the InfluxDB admin; nothing to do.
    }

    @Override
    public void write(List<String> lines) throws WriteFailure {
        try {
            api.writeRecords(c.bucket(), org, WritePrecision.MS, lines);
        } catch (InfluxException e) {
            String hint = e.status() == 404
                ? " (InfluxDB before 1.8 has no /api/v2/write: set influx.api=v1; on 2.x check influx.bucket and influx.org)"
                : "";
            throw new WriteFailure(e.status(), "v2 write to " + c.influxUrl() + " bucket " + c.bucket()
                + " failed (HTTP " + e.status() + "): " + e.getMessage() + hint, e);
        } catch (RuntimeException e) {
            throw new WriteFailure(0, "v2 write to " + c.influxUrl() + " got no answer: " + e, e);
        }
    }

    @Override
    public String describe() {
        return "InfluxDB v2 /api/v2/write at " + c.influxUrl() + " bucket " + c.bucket() + " org " + org;
    }

    @Override
    public void close() {
        client.close();
    }
}
