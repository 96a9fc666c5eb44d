package dev.perfstream.streams.alerts.rule;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Severity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.Node;

/**
 * What the readers of one rules file share: the typed field readers (and their problems), the
 * warnings, the window sizes the stats stage emits, and the parts every entry kind reads the same
 * way (state-machine policy, series selector, no-data handling).
 */
final class ParseContext {
    private static final Set<String> SELECT_KEYS = Set.of("kind", "name", "metric", "vital", "service", "app",
        "route", "page", "device");
    private static final Set<String> FLAP_KEYS = Set.of("starts", "within", "settle");

    final String file;
    final Set<Duration> statsWindows;
    final YamlFields y;
    final List<RuleProblem> warnings = new ArrayList<>();

    ParseContext(String file, Set<Duration> statsWindows) {
        this.file = file;
        this.statsWindows = statsWindows;
        this.y = new YamlFields(file);
    }

    /** Defaults of the {@code defaults:} section that rules and deadman entries inherit. */
    record Defaults(Duration window, Policy policy, Severity severity, long minCount,
                    NoData noData, Duration noDataAfter) {
    }

    void warn(Node n, String message) {
        warnings.add(new RuleProblem(file, YamlFields.line(n), message));
    }

    /** True when the stats stage's window sizes are known and {@code window} is none of them. */
    boolean unmatchedWindow(Duration window) {
        return !statsWindows.isEmpty() && !statsWindows.contains(window);
    }

    Policy policy(Map<String, Node> f, Policy base) {
        int forW = (int) y.integer(f.get("for"), "for", base.forWindows(), 1);
        int resW = (int) y.integer(f.get("resolve-for"), "resolve-for", base.resolveWindows(), 1);
        Duration renotify = y.duration(f.get("renotify"), "renotify", base.renotify());
        int starts = base.flapStarts();
        Duration within = base.flapWithin();
        int settle = base.flapSettle();
        if (f.get("flapping") != null) {
            Map<String, Node> fl = y.fields(y.mapping(f.get("flapping"), "flapping"), FLAP_KEYS, "flapping");
            starts = (int) y.integer(fl.get("starts"), "flapping.starts", starts, 2);
            within = y.duration(fl.get("within"), "flapping.within", within);
            settle = (int) y.integer(fl.get("settle"), "flapping.settle", settle, 1);
        }
        return new Policy(forW, resW, renotify, starts, within, settle);
    }

    NoData noData(Node n, NoData def) {
        if (n == null) {
            return def;
        }
        String v = y.scalar(n, "no-data");
        NoData nd = NoData.parse(v).orElse(null);
        if (nd == null) {
            y.error(n, "unknown no-data \"" + v + "\" (keep, ok, alerting)");
            return def;
        }
        return nd;
    }

    Selector selector(Node n, Node rule) {
        if (n == null) {
            y.error(rule, "missing 'select' (e.g. select: {metric: http.server.duration, service: \"*\"})");
            return null;
        }
        Map<String, Node> f = y.fields(y.mapping(n, "select"), SELECT_KEYS, "select");
        SeriesKind kind = null;
        String name = null;
        if (f.get("kind") != null) {
            String k = y.scalar(f.get("kind"), "kind").toUpperCase(Locale.ROOT);
            if (k.equals("METRIC") || k.equals("RUM")) {
                kind = SeriesKind.valueOf(k);
            } else {
                y.error(f.get("kind"), "unknown kind \"" + k.toLowerCase(Locale.ROOT) + "\" (metric, rum)");
            }
        }
        if (f.get("metric") != null && f.get("vital") != null) {
            y.error(n, "select has both 'metric' and 'vital'; a series is one or the other");
        } else if (f.get("metric") != null) {
            kind = SeriesKind.METRIC;
            name = y.scalar(f.get("metric"), "metric");
        } else if (f.get("vital") != null) {
            kind = SeriesKind.RUM;
            name = y.scalar(f.get("vital"), "vital");
        } else if (f.get("name") != null) {
            name = y.scalar(f.get("name"), "name");
        }
        String service = first(f, "service", "app");
        String route = first(f, "route", "page");
        String device = f.get("device") == null ? null : y.scalar(f.get("device"), "device");
        return new Selector(kind, name, service, route, device);
    }

    private String first(Map<String, Node> f, String a, String b) {
        Node n = f.get(a) != null ? f.get(a) : f.get(b);
        return n == null ? null : y.scalar(n, a);
    }

    static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    static String human(Set<Duration> ds) {
        return ds.stream().sorted().map(ParseContext::human).collect(Collectors.joining(", "));
    }

    static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static String hash(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
