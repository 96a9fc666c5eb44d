package dev.perfstream.streams.alerts;

import static dev.perfstream.streams.alerts.AttributionTopologyTest.CART;
import static dev.perfstream.streams.alerts.AttributionTopologyTest.ORDERS;
import static dev.perfstream.streams.alerts.AttributionTopologyTest.ROUTE;
import static dev.perfstream.streams.alerts.AttributionTopologyTest.cache;
import static dev.perfstream.streams.alerts.AttributionTopologyTest.statement;
import static dev.perfstream.streams.alerts.AttributionTopologyTest.window;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.Topics;
import dev.perfstream.testkit.LogCapture;
import dev.perfstream.streams.alerts.attribution.Attributor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bottleneck attribution is a function of the event-time windows it reads, not of the order in which the records of
 * perf.stats, perf.queries and perf.cache reach the alerts stage. The same records (each topic in its own order, as the
 * stats stage writes them) go through the alerts topology in many interleavings across the topics: random ones with
 * fixed seeds, every statement and cache record after every stats record (the alert's dependency windows, and its
 * baseline's, arrive after its window), and the other way round. Every run must write the same alerts, with the same
 * attribution, and none of them partial.
 *
 * <p>The baseline's statement means differ window by window, so a baseline read from whichever statement records had
 * arrived (as before) says a different mean depending on the order.
 */
class AttributionArrivalOrderTest {
    static final int WINDOWS = 11;

    @TempDir
    Path tmp;

    /** The stats stage's output for windows 0..10: the cart statement 15x slower in windows 5 to 7 (and the cache colder). */
    static Map<String, List<Object>> input() {
        Map<String, List<Object>> in = new LinkedHashMap<>();
        List<Object> stats = new ArrayList<>();
        List<Object> queries = new ArrayList<>();
        List<Object> caches = new ArrayList<>();
        for (int w = 0; w < WINDOWS; w++) {
            boolean slow = w >= 5 && w <= 7;
            double cart = slow ? 150 : 8 + w; // baseline means 8..12 ms: each baseline window counts
            long n = 900 + 20L * w;
            stats.add(window("http.server.duration", ROUTE, w, slow ? 330 : 60 + w, n));
            stats.add(window("http.server.duration", "/api/checkout", w, 180, 200));
            stats.add(window("db.query.duration", ROUTE, w, cart, n));
            stats.add(window("db.query.duration", "/api/checkout", w, 12, 200));
            stats.add(window("cache.lookup", ROUTE, w, slow ? 3 : 0.5 + 0.1 * w, n));
            stats.add(window("cpu.utilization", "-", w, 25 + (w % 2 == 0 ? 1 : -1), 12));
            queries.add(statement(CART, w, cart, n));
            queries.add(statement(ORDERS, w, 12, 200));
            caches.add(cache("cart-cache", w, slow ? 500 : 900 - 10L * w, slow ? 500 : 100 + 10L * w));
        }
        in.put(Topics.STATS, stats);
        in.put(Topics.QUERIES, queries);
        in.put(Topics.CACHE, caches);
        return in;
    }

    /** A perf.stats record written by the stats task {@code task}. */
    record Sourced(WindowStats stats, String task) {
    }

    /** The three topics interleaved at random (each in its own order). */
    static List<Object> shuffled(Map<String, List<Object>> in, long seed) {
        Random random = new Random(seed);
        List<Deque<Object>> queues = new ArrayList<>();
        in.values().forEach(l -> queues.add(new ArrayDeque<>(l)));
        List<Object> out = new ArrayList<>();
        while (queues.stream().anyMatch(q -> !q.isEmpty())) {
            Deque<Object> q = queues.get(random.nextInt(queues.size()));
            if (!q.isEmpty()) {
                // runs of several records of one topic, as consumers fetch them
                for (int i = random.nextInt(12); i >= 0 && !q.isEmpty(); i--) {
                    out.add(q.poll());
                }
            }
        }
        return out;
    }

    /** The topics one after the other, in the given order. */
    static List<Object> concatenated(Map<String, List<Object>> in, String... order) {
        List<Object> out = new ArrayList<>();
        for (String t : order) {
            out.addAll(in.get(t));
        }
        return out;
    }

    /** The alerts topology's output for one arrival order: per fingerprint, its records in order, as text. */
    Map<String, List<String>> run(List<Object> records, String name) throws Exception {
        AttributionTopologyTest t = new AttributionTopologyTest();
        t.tmp = Files.createDirectories(tmp.resolve(name));
        t.start(Map.of(), true);
        try {
            for (Object r : records) {
                if (r instanceof Sourced x) {
                    t.send(x.stats(), x.task());
                } else if (r instanceof WindowStats s) {
                    t.send(s);
                } else if (r instanceof QueryStats q) {
                    t.send(q);
                } else {
                    t.send((CacheStats) r);
                }
            }
            Map<String, List<String>> out = new TreeMap<>();
            for (TestRecord<byte[], byte[]> r : t.out.readRecordsToList()) {
                Alert a = AttributionTopologyTest.ALERTS.decode(Topics.ALERTS, r.value());
                out.computeIfAbsent(a.getFingerprint(), k -> new ArrayList<>()).add(a.toString());
            }
            return out;
        } finally {
            t.close();
        }
    }

    @Test
    void shouldWriteTheSameAttributionWhateverTheOrderInWhichTheTopicsRecordsArrive() throws Exception {
        Map<String, List<Object>> in = input();
        Map<String, List<String>> reference = run(concatenated(in, Topics.STATS, Topics.QUERIES, Topics.CACHE), "stats-first");
        List<String> firing = reference.values().stream().flatMap(List::stream)
            .filter(s -> s.contains("\"rule\": \"api-latency-p95\"") && s.contains("\"state\": \"FIRING\"")).toList();
        assertThat(firing).as("the route latency alert fired once").hasSize(1);
        assertThat(firing.get(0)).contains("\"attribution\": {").doesNotContain("partial")
            .contains("DB statement `" + CART + "` (mean 10.0 ms -> 150 ms)");
        assertThat(reference.values().stream().flatMap(List::stream))
            .anyMatch(s -> s.contains("\"rule\": \"api-latency-p95\"") && s.contains("\"state\": \"RESOLVED\""));

        assertThat(run(concatenated(in, Topics.QUERIES, Topics.CACHE, Topics.STATS), "views-first"))
            .as("statements and caches first").isEqualTo(reference);
        for (long seed = 1; seed <= 12; seed++) {
            assertThat(run(shuffled(in, seed), "seed-" + seed)).as("interleaving of seed %d", seed).isEqualTo(reference);
        }
    }

    @Test
    void shouldSayPartialAndWhatWasNotSeenWhenTheWaitEndsFirst() throws Exception {
        AttributionTopologyTest t = new AttributionTopologyTest();
        t.tmp = tmp;
        t.start(Map.of("alerts.attribution.wait", "3s"), true);
        try {
            Map<String, List<Object>> in = input();
            for (Object r : in.get(Topics.STATS).subList(0, 7 * 6)) { // windows 0..6 of perf.stats
                t.send((WindowStats) r);
            }
            for (Object r : in.get(Topics.QUERIES).subList(0, 5 * 2)) { // statements up to window 4 only
                t.send((QueryStats) r);
            }
            for (Object r : in.get(Topics.CACHE).subList(0, 7)) { // caches up to window 6
                t.send((CacheStats) r);
            }
            assertThat(t.alerts()).as("held: perf.queries is behind").isEmpty();
            t.driver.advanceWallClockTime(Duration.ofSeconds(4));
            List<Alert> as = t.alerts();
            assertThat(as).singleElement().satisfies(a -> {
                assertThat(a.getState()).isEqualTo(AlertState.FIRING);
                assertThat(a.getAttribution().getNote()).startsWith("partial: perf.queries windows 12:05 to 12:06 not seen");
                assertThat(a.getSummary()).contains("; attribution (partial: perf.queries windows 12:05 to 12:06 not seen): ");
            });
        } finally {
            t.close();
        }
    }

    /** The RESOLVED that the stats windows bring while the FIRING waits for its statements goes out after it. */
    @Test
    void shouldHoldNotificationsOfAHeldAlertBehindIt() throws Exception {
        Map<String, List<String>> out = run(concatenated(input(), Topics.STATS, Topics.CACHE, Topics.QUERIES), "resolve-behind");
        List<String> cart = out.values().stream().filter(l -> l.get(0).contains("\"rule\": \"api-latency-p95\"")).findFirst()
            .orElseThrow();
        assertThat(cart).hasSize(2);
        assertThat(cart.get(0)).contains("\"state\": \"FIRING\"").contains("DB statement `" + CART + "`")
            .doesNotContain("partial");
        assertThat(cart.get(1)).contains("\"state\": \"RESOLVED\"");
    }

    /**
     * The release rule trusts that a topic brings a service's windows in the order of their end; a statement window that
     * comes after a later one (a producer other than the stats stage, or an older one that wrote them in a hash order)
     * is said in the log, with the topic, the window and the service: an alert released in between may not have read it.
     */
    @Test
    void shouldSayInTheLogWhenATopicBringsAServicesWindowAfterALaterOne() throws Exception {
        Map<String, List<Object>> in = input();
        List<Object> queries = new ArrayList<>(in.get(Topics.QUERIES));
        Object late = queries.remove(2 * 2); // the cart statement's window 2 ...
        queries.add(2 * 6, late); // ... after window 6's
        in.put(Topics.QUERIES, queries);
        try (LogCapture logs = new LogCapture(Attributor.class)) {
            run(concatenated(input(), Topics.STATS, Topics.QUERIES, Topics.CACHE), "in-order");
            assertThat(logs.messages()).as("every topic in order").isEmpty();
            run(concatenated(in, Topics.STATS, Topics.QUERIES, Topics.CACHE), "out-of-order");
            assertThat(logs.messages()).singleElement().asString()
                .startsWith("attribution: perf.queries window 2026-")
                .contains(" of service checkout (", CART, ") came after its window ending ")
                .contains("may have been attributed without it (#1 such window)");
        }
    }

    /**
     * perf.stats is keyed by series: on several partitions, a service's series reach its alerts task through one decode
     * task each, every series in order but one partition's windows after another's. The decode step stamps each record
     * with its source (the stats task that wrote it, its partition), and the attribution waits for every source of the
     * service (TopologyTestDriver has one partition, so two stats tasks stand for two sources here). Windows 0-2 come
     * from both sources in turn, then every statement and cache record; then the route latency windows of minutes 3-10
     * from one source, and the service's DB, cache and CPU windows of those minutes after them, from the other. Without the sources the alert went out after the
     * route's windows, before its DB windows ("unexplained (no DB, cache, ... moved with it)").
     */
    @Test
    void shouldWaitForEverySourceOfTheServiceWhenItsSeriesComeThroughSeveralPartitions() throws Exception {
        Map<String, List<Object>> in = input();
        Map<String, List<String>> reference = run(concatenated(in, Topics.STATS, Topics.QUERIES, Topics.CACHE), "reference");
        List<Object> records = new ArrayList<>();
        List<Object> routes = new ArrayList<>();
        List<Object> others = new ArrayList<>();
        for (Object o : in.get(Topics.STATS)) {
            WindowStats w = (WindowStats) o;
            boolean route = w.getName().equals("http.server.duration");
            Sourced r = new Sourced(w, route ? "0_0" : "0_1");
            if (w.getWindowStart().isBefore(AttributionTopologyTest.start(3))) {
                records.add(r);
            } else {
                (route ? routes : others).add(r);
            }
        }
        records.addAll(in.get(Topics.QUERIES)); // the statements and caches first: they do not hold the alert here
        records.addAll(in.get(Topics.CACHE));
        records.addAll(routes);
        records.addAll(others);
        try (LogCapture logs = new LogCapture(Attributor.class)) {
            assertThat(run(records, "two-sources")).isEqualTo(reference);
            assertThat(logs.messages()).as("each source in order").isEmpty();
        }
    }
}
