package dev.perfstream.sink.influx;

import com.influxdb.client.InfluxDBClientOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/** The influxdb-client options both writers share: URL, timeouts, and the trust store of an https URL. */
final class HttpClients {
    private HttpClients() {
    }

    static InfluxDBClientOptions.Builder options(SinkConfig c) {
        long timeoutMs = c.timeout().toMillis();
        OkHttpClient.Builder http = new OkHttpClient.Builder()
            .connectTimeout(Math.min(timeoutMs, 5_000), TimeUnit.MILLISECONDS)
            .readTimeout(timeoutMs, TimeUnit.MILLISECONDS)
            .writeTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        if (c.trustStore() != null) {
            X509TrustManager tm = trustManager(c.trustStore());
            try {
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {tm}, null);
                http.sslSocketFactory(ctx.getSocketFactory(), tm);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(SinkConfig.INFLUX_TRUSTSTORE.name() + ": " + e.getMessage(), e);
            }
        }
        return InfluxDBClientOptions.builder().url(c.influxUrl()).okHttpClient(http);
    }

    /**
     * @throws IllegalArgumentException naming influx.ssl.truststore.location when the store cannot be read
     *                                  (never with the password)
     */
    static X509TrustManager trustManager(SinkConfig.TrustStore t) {
        try {
            KeyStore ks;
            if (t.type().equals("PEM")) {
                ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                try (InputStream in = Files.newInputStream(Path.of(t.location()))) {
                    int i = 0;
                    for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("ca-" + i++, cert);
                    }
                }
            } else {
                ks = KeyStore.getInstance(t.type());
                try (InputStream in = Files.newInputStream(Path.of(t.location()))) {
                    ks.load(in, t.password() == null ? null : t.password().toCharArray());
                }
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ks);
            for (TrustManager m : f.getTrustManagers()) {
                if (m instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new GeneralSecurityException("no X.509 trust manager");
        } catch (java.io.IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(SinkConfig.INFLUX_TRUSTSTORE.name() + ": cannot read " + t + ": "
                + e.getMessage(), e);
        }
    }
}
