package dev.perfstream.ingest.collector;

import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.Ports;
import dev.perfstream.testkit.Processes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real reverse proxy in front of collectors: Debian's {@code nginx} as a child process (one process, no
 * daemon) on free loopback ports, its files in a temporary folder. Each {@link Route} is one listening port
 * proxying to one upstream port; nginx connects upstream from 127.0.0.1 ({@code proxy_bind}).
 */
final class NginxTestServer implements AutoCloseable {
    /** What nginx does with the forwarding headers on a route. */
    enum Forwarding {
        /** appends the client's address to X-Forwarded-For ({@code $proxy_add_x_forwarded_for}), as ingress-nginx does */
        APPEND_X_FORWARDED_FOR,
        /** appends {@code for=<client>} to an RFC 7239 Forwarded header (nginx's documented {@code map} recipe) */
        APPEND_FORWARDED,
        /** sets nothing: the client's own headers pass through unchanged */
        PASS_THROUGH
    }

    /**
     * @param upstream   port of the collector behind this route
     * @param forwarding what nginx does with the forwarding headers
     */
    record Route(int upstream, Forwarding forwarding) {
    }

    private final Process process;
    private final List<Integer> ports;
    private final Path dir;

    private NginxTestServer(Process process, List<Integer> ports, Path dir) {
        this.process = process;
        this.ports = ports;
        this.dir = dir;
    }

    static NginxTestServer start(Route... routes) throws IOException {
        String nginx = System.getenv().getOrDefault("PERFSTREAM_NGINX", "/usr/sbin/nginx");
        if (!Files.isExecutable(Paths.get(nginx))) {
            throw new IllegalStateException(nginx + " not found: install Debian's nginx package (deploy/perfstream test does)");
        }
        Path dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "nginx-");
        StringBuilder servers = new StringBuilder();
        List<Integer> ports = new ArrayList<>();
        for (Route r : routes) {
            int port = Ports.free();
            ports.add(port);
            servers.append("  server {\n    listen 127.0.0.1:").append(port).append(";\n    location / {\n")
                .append("      proxy_pass http://127.0.0.1:").append(r.upstream()).append(";\n")
                .append("      proxy_bind 127.0.0.1;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n")
                .append(switch (r.forwarding()) {
                    case APPEND_X_FORWARDED_FOR -> "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n";
                    case APPEND_FORWARDED -> "      proxy_set_header Forwarded $proxy_add_forwarded;\n";
                    case PASS_THROUGH -> "";
                })
                .append("    }\n  }\n");
        }
        String conf = "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir.resolve("nginx.pid") + ";\n"
            + "error_log " + dir.resolve("error.log") + " warn;\nevents { worker_connections 512; }\nhttp {\n"
            + "  access_log off;\n"
            // RFC 7239 for nginx (which has no variable for it): append this hop to what the client sent.
            + "  map $http_forwarded $proxy_add_forwarded {\n    \"\" \"for=$remote_addr\";\n"
            + "    default \"$http_forwarded, for=$remote_addr\";\n  }\n"
            + "  client_body_temp_path " + dir.resolve("body") + ";\n  proxy_temp_path " + dir.resolve("proxy") + ";\n"
            + "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";\n  uwsgi_temp_path " + dir.resolve("uwsgi") + ";\n"
            + "  scgi_temp_path " + dir.resolve("scgi") + ";\n" + servers + "}\n";
        Files.writeString(dir.resolve("nginx.conf"), conf);
        Process p = new ProcessBuilder(nginx, "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
            "-e", dir.resolve("error.log").toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        NginxTestServer s = new NginxTestServer(p, ports, dir);
        try {
            Poll.until(Duration.ofSeconds(20), "nginx to listen on " + ports, () -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("nginx exited with " + p.exitValue() + ", see " + dir);
                }
                for (int port : ports) {
                    try (Socket probe = new Socket()) {
                        probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    } catch (IOException e) {
                        return null;
                    }
                }
                return true;
            });
        } catch (RuntimeException | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The listening port of route {@code i} (in the order given to {@link #start}). */
    int port(int i) {
        return ports.get(i);
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        Processes.stop(process);
    }
}
