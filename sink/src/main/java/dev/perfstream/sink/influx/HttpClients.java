package dev.perfstream.sink.influx;

import com.influxdb.client.InfluxDBClientOptions;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/** The influxdb-client options both writers share: URL and timeouts. */
final class HttpClients {
    private HttpClients() {
    }

    static InfluxDBClientOptions.Builder options(SinkConfig c) {
        long timeoutMs = c.timeout().toMillis();
        OkHttpClient.Builder http = new OkHttpClient.Builder()
            .connectTimeout(Math.min(timeoutMs, 5_000), TimeUnit.MILLISECONDS)
            .readTimeout(timeoutMs, TimeUnit.MILLISECONDS)
            .writeTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        return InfluxDBClientOptions.builder().url(c.influxUrl()).okHttpClient(http);
    }
}
