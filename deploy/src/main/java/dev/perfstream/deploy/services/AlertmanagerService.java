package dev.perfstream.deploy.services;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.sink.notify.NotifierConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Alertmanager from Debian's {@code prometheus-alertmanager} package for the demo and
 * {@code services start}: loopback only, clustering off, data under the services folder, one
 * receiver that keeps alerts for its UI and {@code amtool} (no outgoing notifications: route them
 * where you want in {@code .perfstream/alertmanager/alertmanager.yml}, it is written only once).
 * Its port is 9095 by default because the local Kafka controller has 9093.
 */
public final class AlertmanagerService implements LocalService {
    public static final String DEFAULT_URL = "http://127.0.0.1:9095";
    public static final ConfigKey<Boolean> ENABLED = ConfigKey.bool("services.alertmanager.enabled", true)
        .doc("Run a local Alertmanager (demo, services start) when alertmanager.url is unset or on loopback");
    public static final ConfigKey<String> PATH = ConfigKey.string("alertmanager.path", "/usr/bin/prometheus-alertmanager")
        .doc("The Alertmanager binary (Debian's prometheus-alertmanager)");
    public static final String KEY_ENABLED = ENABLED.name();
    public static final String KEY_URL = NotifierConfig.ALERTMANAGER_URL.name();
    public static final String KEY_PATH = PATH.name();

    private final ServicesConfig c;
    private final String host;
    private final int port;
    private final Path binary;
    private final ManagedProcess process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AlertmanagerService(ServicesConfig c, String host, int port, Path binary) {
        this.c = c;
        this.host = host;
        this.port = port;
        this.binary = binary;
        this.process = new ManagedProcess("alertmanager", c.runDir().resolve("alertmanager.pid"),
            c.logDir().resolve("alertmanager.log"), configFile().toString());
    }

    /**
     * The local Alertmanager, or empty when {@value #KEY_ENABLED} is false or {@value #KEY_URL} names an
     * Alertmanager elsewhere (then the notifier uses that one and nothing is started).
     */
    public static Optional<AlertmanagerService> from(Settings s, ServicesConfig c) {
        if (!s.get(ENABLED)) {
            return Optional.empty();
        }
        URI u;
        try {
            List<String> urls = s.get(NotifierConfig.ALERTMANAGER_URL);
            u = URI.create(urls == null || urls.isEmpty() ? DEFAULT_URL : urls.get(0).trim());
        } catch (IllegalArgumentException e) {
            s.problem(KEY_URL + ": not a URL: " + e.getMessage());
            s.throwIfInvalid("services");
            return Optional.empty();
        }
        String h = u.getHost();
        if (h == null || !(h.equals("127.0.0.1") || h.equals("localhost") || h.equals("::1"))) {
            return Optional.empty();
        }
        return Optional.of(new AlertmanagerService(c, h, u.getPort() < 0 ? 80 : u.getPort(),
            Path.of(s.get(PATH))));
    }

    @Override
    public String name() {
        return "alertmanager";
    }

    @Override
    public String address() {
        return "http://" + host + ":" + port;
    }

    @Override
    public String logFile() {
        return process.logFile().toString();
    }

    Path dir() {
        return c.dir().resolve("alertmanager");
    }

    Path configFile() {
        return dir().resolve("alertmanager.yml");
    }

    @Override
    public void checkPorts() throws PortInUseException {
        PortGuard.requireFree("Alertmanager", host, port, KEY_URL);
    }

    @Override
    public Optional<Long> pid() {
        return process.running().map(ProcessHandle::pid);
    }

    @Override
    public void start() throws ServiceException {
        if (!Files.isExecutable(binary)) {
            throw new ServiceException(binary + " not found: install Debian's prometheus-alertmanager package (deploy/perfstream"
                + " does it), set " + KEY_PATH + ", or " + KEY_ENABLED + "=false to run without a local Alertmanager");
        }
        try {
            Files.createDirectories(dir().resolve("data"));
            if (!Files.exists(configFile())) {
                Files.writeString(configFile(), config(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new ServiceException("cannot write " + configFile() + ": " + e.getMessage(), e);
        }
        ProcessHandle h = process.launch(List.of(binary.toString(), "--config.file=" + configFile(),
            "--storage.path=" + dir().resolve("data"), "--web.listen-address=" + host + ":" + port,
            "--cluster.listen-address="), Map.of());
        Readiness.await(c.startTimeout(), "Alertmanager on " + address(), h, process, this::ready);
    }

    static String config() {
        return String.join("\n",
            "# Written by perfstream (services start / demo) once; yours to edit: route alerts to Slack, PagerDuty,",
            "# e-mail or a webhook here (https://prometheus.io/docs/alerting/latest/configuration/).",
            "route:",
            "  receiver: keep",
            "  group_by: ['alertname', 'service']",
            "  group_wait: 10s",
            "  group_interval: 1m",
            "  repeat_interval: 4h",
            "receivers:",
            "  - name: keep   # no notifications: alerts are visible in the UI and with amtool",
            "");
    }

    boolean ready() {
        return Readiness.answers(http, address() + "/-/ready", 200);
    }

    @Override
    public boolean stop() {
        return process.stop(c.stopTimeout());
    }
}
