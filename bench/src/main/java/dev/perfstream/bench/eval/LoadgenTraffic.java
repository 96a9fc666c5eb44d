package dev.perfstream.bench.eval;

import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.LoadGenerator;
import dev.perfstream.ingest.loadgen.TrafficModel;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Labelled 1-minute windows from the project's load generator model: {@link TrafficModel#standard()}
 * (routes, rates, lognormal latencies, error shares, daily and weekly seasonality, incidents applied) and
 * {@link LoadGenerator#scriptedIncidents} (four incidents, one of each kind, per seed). Generating every
 * event of a week through {@code LoadGenerator.generate} would take hours on this machine, so each
 * window's statistics are sampled from the model's distributions instead: Poisson request counts,
 * binomial errors, and the p95 of n lognormal latencies with a sample quantile's error. Series: the
 * HTTP latency series of every route and the DB query series of every route that queries a database;
 * an incident labels the series {@link TrafficModel#affectedSeries} names.
 */
public final class LoadgenTraffic {
    private static final long MIN = 60_000L;

    private LoadgenTraffic() {
    }

    public static List<SyntheticTraffic.Series> generate(long seed, int days, Instant start) {
        TrafficModel m = TrafficModel.standard();
        Instant end = start.plusSeconds(days * 86_400L);
        List<Incident> incidents = LoadGenerator.scriptedIncidents(start, end, seed);
        SplittableRandom rnd = new SplittableRandom(seed * 31 + 7);
        List<SyntheticTraffic.Series> out = new ArrayList<>();
        int idx = 0;
        for (TrafficModel.Route r : m.routes()) {
            out.add(series(m, r, false, incidents, rnd.split(), idx++, days, start, seed));
            if (r.dbShare() > 0) {
                out.add(series(m, r, true, incidents, rnd.split(), idx++, days, start, seed));
            }
        }
        return out;
    }

    private static SyntheticTraffic.Series series(TrafficModel m, TrafficModel.Route r, boolean db, List<Incident> incidents,
                                                  SplittableRandom rnd, int idx, int days, Instant start, long seed) {
        String metric = db ? TrafficModel.DB : TrafficModel.HTTP;
        String label = metric + "|" + r.service() + "|" + r.path();
        List<SyntheticTraffic.Incident> mine = new ArrayList<>();
        for (Incident i : incidents) {
            if (m.affectedSeries(i).contains(label)) {
                int s = (int) ((i.start().toEpochMilli() - start.toEpochMilli()) / MIN);
                int e = (int) Math.ceil((i.end().toEpochMilli() - start.toEpochMilli()) / (double) MIN);
                mine.add(new SyntheticTraffic.Incident(SyntheticTraffic.Kind.valueOf(i.kind().name()), idx, s, e, i.magnitude()));
            }
        }
        int n = days * 1440;
        List<WindowStats> windows = new ArrayList<>(n);
        for (int w = 0; w < n; w++) {
            Instant t = Instant.ofEpochMilli(start.toEpochMilli() + w * MIN + MIN / 2);
            double reqRate = m.requestRate(r, t, incidents) * (db ? r.dbShare() : 1);
            TrafficModel.Lognormal lat = db ? m.dbLatency(r, t, incidents) : m.latency(r, t, incidents);
            double err = db ? 0 : m.errorShare(r, t, incidents);
            long count = SyntheticTraffic.poisson(rnd, reqRate * 60);
            long errors = SyntheticTraffic.binomial(rnd, count, err);
            double logP95 = Math.log(lat.quantile(0.95)) + rnd.nextGaussian() * 2.12 * lat.sigma() / Math.sqrt(Math.max(count, 1));
            double p95 = count == 0 ? 0 : Math.exp(logP95);
            long ws = start.toEpochMilli() + w * MIN;
            windows.add(WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName(metric).setService(r.service())
                .setRoute(r.path()).setDeviceClass(null)
                .setWindowStart(Instant.ofEpochMilli(ws)).setWindowEnd(Instant.ofEpochMilli(ws + MIN))
                .setCount(count).setErrors(errors).setErrorRate(count == 0 ? 0 : (double) errors / count)
                .setRate(count / 60.0).setMin(0).setMax(p95 * 3).setMean(lat.median() * Math.exp(lat.sigma() * lat.sigma() / 2))
                .setP50(lat.median()).setP75(lat.quantile(0.75)).setP90(lat.quantile(0.9)).setP95(p95)
                .setP99(lat.quantile(0.99)).setP999(lat.quantile(0.999)).setUnit("ms").build());
        }
        return new SyntheticTraffic.Series(label + "#seed" + seed, windows, mine);
    }
}
