package dev.perfstream.schemas.registry;

import dev.perfstream.schemas.retry.Backoff;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small client for the Confluent Schema Registry REST API (v7 paths, which Confluent, Karapace,
 * Redpanda and Apicurio's {@code /apis/ccompat/v7} all serve). Hand-written because Confluent's own
 * client is not on Maven Central and pulls a large dependency tree; perfstream needs two calls:
 *
 * <ul>
 *   <li>{@code GET /schemas/ids/{id}}: a writer schema by id (cached forever: ids are immutable);</li>
 *   <li>{@code POST /subjects/{subject}/versions}: register a schema, get its id (cached per subject and schema).</li>
 * </ul>
 *
 * <p>Unreachable registry (connection refused, timeout, 5xx, 429): retried with exponential backoff
 * ({@code schema.registry.retry.backoff} doubling up to {@code .backoff.max}) for at most
 * {@code schema.registry.retry.timeout}, then {@link RegistryUnavailableException}. The retries
 * block the calling thread; that is deliberate (nothing may be dropped or dead-lettered for a
 * transient outage) and bounded. Only first sightings of an id ever reach the network, so a
 * running pipeline whose producers do not change schemas keeps going through an outage.
 *
 * <p>404 for an id: {@link UnknownSchemaException}, remembered for 30 s (a flood of records with a
 * bogus id does not become a flood of HTTP calls). Thread-safe; share one instance per registry.
 */
public final class SchemaRegistryClient implements SchemaLookup {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json";
    private static final long NEGATIVE_TTL_NANOS = 30_000_000_000L;
    private static final int NEGATIVE_CACHE_MAX = 10_000;
    private static final Map<RegistryConfig, SchemaRegistryClient> SHARED = new ConcurrentHashMap<>();

    private final RegistryConfig config;
    private final HttpClient http;
    private final String authorization;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<Integer, Long> notFoundUntil = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idBySubject = new ConcurrentHashMap<>();
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicLong httpCalls = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();

    public SchemaRegistryClient(RegistryConfig config) {
        this.config = config;
        HttpClient.Builder b = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER);
        if (config.truststore() != null) {
            b.sslContext(sslContext(config));
        }
        this.http = b.build();
        this.authorization = config.username() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
            (config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
    }

    /** One client (and cache) per distinct configuration in this JVM, shared by all codecs. */
    public static SchemaRegistryClient shared(RegistryConfig config) {
        return SHARED.computeIfAbsent(config, SchemaRegistryClient::new);
    }

    public RegistryConfig config() {
        return config;
    }

    @Override
    public Schema schemaById(int id) throws UnknownSchemaException {
        Schema cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        Long until = notFoundUntil.get(id);
        if (until != null && until - System.nanoTime() > 0) {
            throw notFound(id);
        }
        HttpResponse<byte[]> r = call("GET schema id " + id, "/schemas/ids/" + id, null);
        if (r.statusCode() == 404) {
            if (notFoundUntil.size() >= NEGATIVE_CACHE_MAX) {
                notFoundUntil.clear();
            }
            notFoundUntil.put(id, System.nanoTime() + NEGATIVE_TTL_NANOS);
            throw notFound(id);
        }
        expectOk(r, "GET schema id " + id);
        JsonNode body = parse(r, "GET schema id " + id);
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new UnknownSchemaException(id, "format", "schema id " + id + " is a " + type
                + " schema in the registry, not Avro: perfstream reads Confluent Avro or plain JSON");
        }
        if (body.path("references").size() > 0) {
            throw new UnknownSchemaException(id, "unknown-schema", "schema id " + id
                + " uses schema references, which perfstream does not resolve: register a self-contained schema");
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(body.path("schema").asText());
        } catch (SchemaParseException e) {
            throw new UnknownSchemaException(id, "unknown-schema", "schema id " + id + " is not valid Avro: " + e.getMessage());
        }
        Schema raced = byId.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    private static UnknownSchemaException notFound(int id) {
        return new UnknownSchemaException(id, "unknown-schema", "schema id " + id + " is not in the schema registry (404)");
    }

    @Override
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> ids = idBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        String what = "register schema " + schema.getFullName() + " under subject " + subject;
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("schema", schema.toString()));
        } catch (IOException e) {
            throw new RegistryException(what + ": cannot serialise the request", e);
        }
        HttpResponse<byte[]> r = call(what, "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8)
            .replace("+", "%20") + "/versions", body);
        expectOk(r, what);
        JsonNode id = parse(r, what).path("id");
        if (!id.canConvertToInt()) {
            throw new RegistryException(what + ": answer has no integer id: " + text(r), r.statusCode());
        }
        ids.put(schema, id.intValue());
        return id.intValue();
    }

    /** HTTP requests made so far (tests, metrics). */
    public long httpCalls() {
        return httpCalls.get();
    }

    /** Attempts that failed with a transient error and were retried (tests, metrics). */
    public long failedAttempts() {
        return failedAttempts.get();
    }

    /**
     * One logical call with retries: returns the first answer that is not transient (2xx, 4xx except
     * 429). Transient failures rotate through the configured URLs.
     */
    private HttpResponse<byte[]> call(String what, String path, byte[] postBody) {
        long deadline = System.nanoTime() + config.retryTimeout().toNanos();
        Backoff backoff = new Backoff(config.backoff(), config.backoffMax());
        Exception last = null;
        String lastProblem = null;
        for (int attempt = 1; ; attempt++) {
            URI base = config.urls().get(Math.floorMod(current.get(), config.urls().size()));
            try {
                httpCalls.incrementAndGet();
                HttpResponse<byte[]> r = http.send(request(base, path, postBody), HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() < 500 && r.statusCode() != 429) {
                    return r;
                }
                lastProblem = "HTTP " + r.statusCode() + " " + text(r);
                last = null;
            } catch (IOException e) {
                lastProblem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException(what + ": interrupted while waiting for the registry", e);
            }
            failedAttempts.incrementAndGet();
            current.incrementAndGet();
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new RegistryUnavailableException(what + ": schema registry " + config.urls()
                    + " unreachable for " + config.retryTimeout() + " (" + attempt + " attempts), last: " + lastProblem, last);
            }
            if (attempt == 1 || attempt % 10 == 0) {
                LOG.warn("{}: schema registry unreachable ({}), retrying for up to {} ms", what, lastProblem, left);
            }
            sleep(Math.min(backoff.next(), left), what);
        }
    }

    private HttpRequest request(URI base, String path, byte[] postBody) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
            .timeout(config.requestTimeout())
            .header("Accept", ACCEPT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (postBody != null) {
            b.header("Content-Type", CONTENT_TYPE).POST(HttpRequest.BodyPublishers.ofByteArray(postBody));
        } else {
            b.GET();
        }
        return b.build();
    }

    private static void sleep(long ms, String what) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailableException(what + ": interrupted while waiting for the registry", e);
        }
    }

    private static void expectOk(HttpResponse<byte[]> r, String what) {
        if (r.statusCode() / 100 != 2) {
            String hint = r.statusCode() == 401 || r.statusCode() == 403
                ? " (check schema.registry.username / schema.registry.password)" : "";
            throw new RegistryException(what + ": registry answered HTTP " + r.statusCode() + hint + ": " + text(r), r.statusCode());
        }
    }

    private static JsonNode parse(HttpResponse<byte[]> r, String what) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new RegistryException(what + ": registry answer is not JSON: " + text(r), e);
        }
    }

    private static String text(HttpResponse<byte[]> r) {
        String s = new String(r.body(), StandardCharsets.UTF_8);
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static SSLContext sslContext(RegistryConfig c) {
        try (InputStream in = Files.newInputStream(c.truststore())) {
            KeyStore ks = KeyStore.getInstance(c.truststoreType());
            ks.load(in, c.truststorePassword() == null ? null : c.truststorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("schema.registry.ssl.truststore.location: cannot load "
                + c.truststore() + " as " + c.truststoreType() + ": " + e.getMessage(), e);
        }
    }
}
