package dev.perfstream.streams.stats.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-version series through {@link SeriesWindowStore#configureVersions}: a store that lets a smallest window stand
 * for its version's window while it holds one version emits exactly the windows of a store that feeds every
 * per-version series as a series of its own (what the stage did before), in every phase a route goes through: one
 * version, two at once, measurements without a version, histogram events, late events, a restart from the
 * changelog in the middle of a window, and partials from other tasks of both the route and the version series.
 */
class SeriesVersionStoreTest {
    private static final long[] SIZES = {10_000, 60_000, 300_000, 3_600_000};
    private static final long GRACE = 5_000;
    private static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000;
    private static final String[] ROUTES = {"METRIC|lat|a|/x", "METRIC|lat|a|/y"};
    private static final Sketches SKETCHES = new Sketches(0.01, 2048);

    private static boolean isVersion(String id) {
        return id.chars().filter(c -> c == '|').count() == 4;
    }

    private static KeyValueStore<Bytes, byte[]> inner() {
        return InnerStore.inMemory();
    }

    /**
     * The stage's configuration, with ids built here: a version series keeps windows of {@code versionSize} only.
     * Without {@code shared}, the store of the stage before: no versions, the routes' windows only.
     */
    private static SeriesWindowStore store(KeyValueStore<Bytes, byte[]> inner, int self, int tasks, boolean shared,
                                           long versionSize) {
        SeriesWindowStore s = new SeriesWindowStore(inner, SIZES, 3, GRACE, SKETCHES);
        s.configureOwnership(self, tasks, id -> self == 0);
        s.configureSmallestOnly(SeriesVersionStoreTest::isVersion);
        if (shared) {
            s.configureVersions((id, v) -> id + "|" + v, id -> isVersion(id) ? id.substring(0, id.lastIndexOf('|')) : null,
                versionSize);
        }
        s.loadIfNeeded();
        return s;
    }

    /**
     * What the stage did before: a route store without versions, and every per-version series fed per event as a
     * series of its own, in a store whose smallest size is {@code versionSize}.
     */
    private record Reference(SeriesWindowStore routes, SeriesWindowStore versions) {
        static Reference of(long versionSize) {
            int from = 0;
            while (SIZES[from] != versionSize) {
                from++;
            }
            SeriesWindowStore v = new SeriesWindowStore(inner(), java.util.Arrays.copyOfRange(SIZES, from, SIZES.length),
                3 - from, GRACE, SKETCHES);
            v.configureSmallestOnly(id -> true);
            v.loadIfNeeded();
            return new Reference(store(inner(), 0, 1, false, versionSize), v);
        }

        void add(Event e, long instance) {
            if (SeriesVersionStoreTest.add(routes, e, null, instance) && e.version() != null) {
                SeriesVersionStoreTest.add(versions, new Event(e.route() + "|" + e.version(), e.t(), e.v(), e.error(), null,
                    e.histogram()), null, 0);
            }
        }

        void advance(long t, java.util.function.Consumer<WindowAccumulator> out) {
            routes.advance(t, out);
            versions.advance(t, out);
        }
    }

    /** Every field a WindowStats is made of, the sketch as its bytes. */
    private static String describe(WindowAccumulator a, boolean exactSum) {
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
        SKETCHES.encode(a.sketch(), out);
        return a.seriesId() + " " + (a.end() - a.start()) + " " + a.start() + "-" + a.end() + " n=" + a.count() + " e=" + a.errors()
            + " late=" + a.late() + " min=" + a.min() + " max=" + a.max() + " sum="
            + (exactSum ? Double.toString(a.sum()) : Long.toString(Math.round(a.sum() * 1e6))) + " unit=" + a.unit()
            + " bucketError=" + a.bucketError() + " instances=" + a.instances() + " good=" + a.good() + " q="
            + a.quantile(0.5) + "/" + a.quantile(0.95) + "/" + a.quantile(0.999)
            + (exactSum ? " sketch=" + Base64.getEncoder().encodeToString(out.trimmedCopy()) : "");
    }

    /** One measurement: route, time, value, error, version (null: none), histogram or not. */
    private record Event(String route, long t, double v, boolean error, String version, boolean histogram) {
    }

    /**
     * 12 minutes of two routes: minutes 0-2 version 1.0 only, 3-5 1.0 and 1.1 at once, 6-7 1.1 only with some
     * measurements without a version, 8-11 1.1 only; now and then a histogram event and a late event.
     */
    private static List<Event> events(long seed) {
        Random r = new Random(seed);
        List<Event> out = new ArrayList<>();
        for (long t = T0; t < T0 + 12 * 60_000; t += 50 + r.nextInt(400)) {
            int minute = (int) ((t - T0) / 60_000);
            String version = minute < 3 ? "1.0" : minute < 6 ? (r.nextInt(4) == 0 ? "1.1" : "1.0")
                : minute < 8 && r.nextInt(10) == 0 ? null : "1.1";
            out.add(new Event(ROUTES[r.nextInt(2)], t, Math.exp(3 + 0.8 * r.nextGaussian()), r.nextInt(20) == 0, version,
                r.nextInt(30) == 0));
        }
        return out;
    }

    /**
     * Adds {@code e} to {@code s}, with {@code version} (null: none), or counts it late.
     *
     * @return whether it was on time
     */
    private static boolean add(SeriesWindowStore s, Event e, String version, long instance) {
        if (s.closedAt(e.t()) >= 0) {
            s.countLate(e.route(), "ms");
            return false;
        }
        if (e.histogram()) {
            HistogramValues h = new HistogramValues(new double[] {e.v(), 2 * e.v()}, new double[] {2, 1}, 3, e.v(),
                2 * e.v(), 4 * e.v(), 0.02);
            assertThat(s.add(e.route(), e.t(), h, e.error(), "ms", instance, version)).isNull();
        } else {
            assertThat(s.add(e.route(), e.t(), e.v(), e.error(), -1, "ms", instance, version)).isNull();
        }
        return true;
    }

    @ParameterizedTest(name = "version windows of {0} ms")
    @ValueSource(longs = {10_000, 60_000})
    void shouldEmitExactlyTheWindowsOfSeparatePerVersionSeriesAlsoAcrossARestart(long versionSize) {
        List<Event> events = events(7);
        // 10 s: bit for bit, as the version's series fed per event; 1 min: a window's sum adds its 10 s parts in
        // another order than event by event, so the sums may differ in the last bits (rounded to 1e-6 here)
        boolean exact = versionSize == 10_000;
        // a late event now and then: its time put back behind the closed windows
        List<Event> withLate = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            withLate.add(i % 97 == 96 ? new Event(e.route(), e.t() - 60_000, e.v(), e.error(), e.version(), false) : e);
        }
        KeyValueStore<Bytes, byte[]> kv = inner();
        SeriesWindowStore shared = store(kv, 0, 1, true, versionSize);
        Reference reference = Reference.of(versionSize);
        List<String> sharedOut = new ArrayList<>();
        List<String> refOut = new ArrayList<>();
        int restartAt = withLate.size() / 2;
        for (int i = 0; i < withLate.size(); i++) {
            Event e = withLate.get(i);
            add(shared, e, e.version(), 1 + i % 3);
            reference.add(e, 1 + i % 3);
            shared.advance(e.t(), a -> sharedOut.add(describe(a, exact)));
            reference.advance(e.t(), a -> refOut.add(describe(a, exact)));
            if (i == restartAt || i == restartAt / 2) { // from what it committed, in the middle of a 10 s window
                shared.flushCache();
                shared = store(kv, 0, 1, true, versionSize);
            }
        }
        long last = T0 + 24 * 3_600_000L;
        shared.advance(last, a -> sharedOut.add(describe(a, exact)));
        reference.advance(last, a -> refOut.add(describe(a, exact)));
        assertThat(sharedOut).hasSameSizeAs(refOut).containsExactlyInAnyOrderElementsOf(refOut);
        long perVersion = 12 * 60_000 / versionSize; // windows a version serves in: 3 or 9 minutes of the 12, 2 routes
        assertThat(refOut.stream().filter(d -> d.contains("|1.0 " + versionSize + " ")).count()).isGreaterThan(perVersion / 3);
        assertThat(refOut.stream().filter(d -> d.contains("|1.1 " + versionSize + " ")).count()).isGreaterThan(perVersion / 3);
        assertThat(refOut.stream().filter(d -> d.contains("late=0 ")).count()).isLessThan(refOut.size());
    }

    @Test
    void shouldNotFeedTheVersionSeriesWhileASmallestWindowHoldsOneVersion() {
        KeyValueStore<Bytes, byte[]> kv = inner();
        SeriesWindowStore s = store(kv, 0, 1, true, 10_000);
        for (long t = T0; t < T0 + 9_000; t += 1000) {
            s.add(ROUTES[0], t, 5, false, -1, "ms", 0, "1.0");
        }
        s.flushCache();
        List<String> keys = new ArrayList<>();
        kv.all().forEachRemaining(e -> keys.add(new String(e.key.get())));
        assertThat(keys).containsExactly(ROUTES[0]); // one record: the route's, its 10 s window standing for 1.0's

        s.add(ROUTES[0], T0 + 9_500, 7, false, -1, "ms", 0, "1.1"); // a second version: 1.0's window becomes its own
        s.flushCache();
        keys.clear();
        kv.all().forEachRemaining(e -> keys.add(new String(e.key.get())));
        assertThat(keys).containsExactlyInAnyOrder(ROUTES[0], ROUTES[0] + "|1.0", ROUTES[0] + "|1.1");
        List<String> out = new ArrayList<>();
        s.advance(T0 + 3_600_000, a -> out.add(a.seriesId() + " " + a.sizeIndex() + " n=" + a.count()));
        assertThat(out).contains(ROUTES[0] + "|1.0 0 n=9", ROUTES[0] + "|1.1 0 n=1", ROUTES[0] + " 0 n=10");
    }

    @Test
    void shouldLetTheRoutesMinuteStandForAVersionUntilASmallerWindowOfAnotherVersionIsMergedIntoIt() {
        KeyValueStore<Bytes, byte[]> kv = inner();
        SeriesWindowStore s = store(kv, 0, 1, true, 60_000);
        List<String> out = new ArrayList<>();
        for (long t = T0; t < T0 + 50_000; t += 1000) { // five 10 s windows of 1.0, closed and merged into the minute
            s.add(ROUTES[0], t, 5, false, -1, "ms", 0, "1.0");
            s.advance(t, a -> out.add(a.seriesId() + " " + a.sizeIndex() + " n=" + a.count()));
        }
        s.flushCache();
        List<String> keys = new ArrayList<>();
        kv.all().forEachRemaining(e -> keys.add(new String(e.key.get()))); // the stream time's key starts with 0
        keys.removeIf(k -> k.charAt(0) == 0);
        assertThat(keys).containsExactly(ROUTES[0]); // the route's minute stands for 1.0's: no series of 1.0 fed
        assertThat(out).isNotEmpty().allMatch(d -> d.startsWith(ROUTES[0] + " 0 ")); // 10 s route windows only

        s.add(ROUTES[0], T0 + 55_000, 7, false, -1, "ms", 0, "1.1"); // its own 10 s window stands for 1.1's
        s.flushCache();
        keys.clear();
        kv.all().forEachRemaining(e -> keys.add(new String(e.key.get())));
        keys.removeIf(k -> k.charAt(0) == 0);
        assertThat(keys).containsExactly(ROUTES[0]);
        s.advance(T0 + 3_600_000, a -> out.add(a.seriesId() + " " + a.sizeIndex() + " n=" + a.count()));
        // merged into the minute, which held 1.0: both handed over to windows of their versions
        assertThat(out).contains(ROUTES[0] + "|1.0 1 n=50", ROUTES[0] + "|1.1 1 n=1", ROUTES[0] + " 1 n=51",
            ROUTES[0] + " 2 n=51").noneMatch(d -> d.contains("|1.0 0 ") || d.contains("|1.1 0 "));
        assertThat(out.stream().filter(d -> d.contains("|1."))).hasSize(2);
    }

    @Test
    void shouldKeepAVersionNamedMixedApartFromWindowsHoldingSeveralVersions() {
        SeriesWindowStore s = store(inner(), 0, 1, true, 60_000);
        List<String> out = new ArrayList<>();
        s.add(ROUTES[0], T0, 5, false, -1, "ms", 0, "1.0");
        s.add(ROUTES[0], T0 + 1000, 5, false, -1, "ms", 0, "1.1"); // the first 10 s window holds two versions
        s.add(ROUTES[0], T0 + 20_000, 5, false, -1, "ms", 0, "mixed"); // a later one a version of that name
        s.advance(T0 + 3_600_000, a -> out.add(a.seriesId() + " " + a.sizeIndex() + " n=" + a.count()));
        assertThat(out).contains(ROUTES[0] + "|1.0 1 n=1", ROUTES[0] + "|1.1 1 n=1", ROUTES[0] + "|mixed 1 n=1",
            ROUTES[0] + " 1 n=3");
    }

    @ParameterizedTest(name = "version windows of {0} ms")
    @ValueSource(longs = {10_000, 60_000})
    void shouldHandOverAWindowStandingForAVersionWhenAPartialOfThatVersionArrivedAlone(long versionSize) throws Exception {
        SeriesWindowStore owner = store(inner(), 0, 2, true, versionSize);
        SeriesWindowStore other = store(inner(), 1, 2, true, versionSize);
        for (int i = 0; i < 3; i++) {
            owner.add(ROUTES[0], T0 + i * 1000, 5 + i, false, -1, "ms", 0, "1.0");
        }
        other.add(ROUTES[0] + "|1.0", T0 + 4000, 9, true, -1, "ms"); // the version's partial, without its route's
        List<String> out = new ArrayList<>();
        List<WindowAccumulator> partials = new ArrayList<>();
        other.advance(T0 + versionSize, partials::add);
        assertThat(partials).hasSize(1);
        byte[] encoded = other.encodePartial(1, partials.get(0));
        PartialRecord pr = owner.decodePartial(ROUTES[0] + "|1.0", encoded);
        assertThat(pr.sizeMs()).isEqualTo(10_000); // a series of its own there: the smallest size
        assertThat(owner.mergePartial(ROUTES[0] + "|1.0", versionSize, pr.start(), pr.partial())).isNull();
        owner.upstreamWatermark(1, T0 + 3_600_000, a -> out.add(a.seriesId() + " " + (a.end() - a.start()) + " n=" + a.count()));
        owner.advance(T0 + 3_600_000, a -> out.add(a.seriesId() + " " + (a.end() - a.start()) + " n=" + a.count()));
        assertThat(out.stream().filter(d -> d.startsWith(ROUTES[0] + "|1.0 "))).containsExactly(ROUTES[0] + "|1.0 " + versionSize
            + " n=4");
        assertThat(out).contains(ROUTES[0] + " 10000 n=3");
    }

    @ParameterizedTest(name = "version windows of {0} ms")
    @ValueSource(longs = {10_000, 60_000})
    void shouldEmitFromTheOwnerTheWindowsOfOneStoreThatSawEveryEventWithPartialsOfRoutesAndVersions(long versionSize)
        throws Exception {
        List<Event> events = events(11);
        KeyValueStore<Bytes, byte[]> ownerKv = inner();
        SeriesWindowStore[] tasks = {store(ownerKv, 0, 3, true, versionSize), store(inner(), 1, 3, true, versionSize),
            store(inner(), 2, 3, true, versionSize)};
        Reference reference = Reference.of(versionSize);
        List<String> refOut = new ArrayList<>();
        List<String> ownerOut = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            reference.add(e, 0);
            reference.advance(e.t(), a -> refOut.add(describe(a, false)));
            int k = r.nextInt(10) < 6 ? 0 : 1 + r.nextInt(2); // most events on the owner's partition, as keyed traffic
            add(tasks[k], e, e.version(), 0);
            deliver(tasks, k, e.t(), ownerOut);
            if (i == events.size() / 2) {
                tasks[0].flushCache();
                tasks[0] = store(ownerKv, 0, 3, true, versionSize);
            }
        }
        long last = T0 + 24 * 3_600_000L;
        for (int k = 0; k < 3; k++) {
            deliver(tasks, k, last, ownerOut);
        }
        reference.advance(last, a -> refOut.add(describe(a, false)));
        assertThat(ownerOut).hasSameSizeAs(refOut).containsExactlyInAnyOrderElementsOf(refOut);
        assertThat(refOut.stream().filter(d -> d.contains("|1.1 " + versionSize + " "))).isNotEmpty();
    }

    /** Task k advances to t: its partials go to the owner, then its watermark; the owner's own windows close. */
    private static void deliver(SeriesWindowStore[] tasks, int k, long t, List<String> ownerOut) throws Exception {
        List<String[]> partials = new ArrayList<>();
        tasks[k].advance(t, a -> {
            if (a.owned()) {
                ownerOut.add(describe(a, false));
            } else {
                partials.add(new String[] {a.seriesId(), Base64.getEncoder().encodeToString(tasks[k].encodePartial(k, a))});
            }
        });
        for (String[] p : partials) {
            PartialRecord pr = tasks[0].decodePartial(p[0], Base64.getDecoder().decode(p[1]));
            assertThat(tasks[0].mergePartial(p[0], pr.sizeMs(), pr.start(), pr.partial())).isNull();
        }
        if (k != 0) {
            PartialRecord w = tasks[0].decodePartial(null, PartialRecord.watermark(k, tasks[k].streamTime()));
            tasks[0].upstreamWatermark(w.sender(), w.watermark(), a -> ownerOut.add(describe(a, false)));
        }
    }
}
