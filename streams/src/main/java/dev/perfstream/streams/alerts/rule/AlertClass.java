package dev.perfstream.streams.alerts.rule;

import java.util.Locale;
import java.util.Optional;

/**
 * The class of an alert, which decides its default playbook hint: what an on-call engineer should
 * try first. A rule may override the hint with its own {@code playbook}.
 */
public enum AlertClass {
    HIGH_LATENCY("high-latency",
        "High latency: check the last deploy and the slowest routes; scale out the service or cache hot reads."),
    ERROR_BURST("error-burst",
        "Error burst: open the circuit breaker to the failing dependency or roll back the last release; read the route's error logs."),
    RESOURCE_EXHAUSTION("resource-exhaustion",
        "Resource exhaustion: scale up or out and shed non-critical load; look for leaks (memory, connections, threads)."),
    DATABASE("database",
        "Database: find the slow statements (db_queries: top statements by total time and their p95), then per statement:"
            + " missing index (EXPLAIN shows a scan; add the index), plan change (compare the plan with last week's; refresh"
            + " statistics, pin or hint the plan), lock contention (blocked sessions, long transactions holding row locks),"
            + " connection pool exhaustion (pool wait time, pool size against the DB's max connections); move reads to a replica."),
    TRAFFIC_SURGE("traffic-surge",
        "Traffic surge: check capacity headroom and autoscaling; rate-limit abusive clients; pre-scale for expected peaks."),
    FRONTEND("frontend",
        "Frontend: compare the last frontend release; look for render-blocking scripts and styles, oversized images and"
            + " fonts, long main-thread tasks and heavy third-party tags on the page; check which device class and"
            + " pages regressed."),
    REGRESSION("regression",
        "Release regression: roll back the named version (or stop its rollout) and compare it with the previous one"
            + " ('perfstream compare'); look at what changed on the named routes: queries, dependencies, caches, config."),
    CACHE("cache",
        "Cache: a cold or thrashing cache sends its misses to the database. Check for a restart, deploy or flush (a cold"
            + " cache warms up: pre-warm hot keys), evictions (memory limit too small for the working set), a TTL that"
            + " expires too soon, and key churn (keys with ids or timestamps that never repeat); compare miss latency"
            + " against hit latency (cache_stats) to size the cost."),
    CDN("cdn",
        "CDN / first byte: check the CDN cache hit ratio and purges, origin response time behind it, TLS and DNS"
            + " time, and whether the slow first bytes come from one region or from pages the CDN does not cache.");

    private final String label;
    private final String playbook;

    AlertClass(String label, String playbook) {
        this.label = label;
        this.playbook = playbook;
    }

    public String label() {
        return label;
    }

    public String playbook() {
        return playbook;
    }

    public static Optional<AlertClass> parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (AlertClass c : values()) {
            if (c.label.equals(n)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
