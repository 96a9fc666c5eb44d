package dev.perfstream.bench.eval;

import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.IncidentLabels;
import dev.perfstream.ingest.loadgen.IncidentSchedules;
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
 * {@link IncidentSchedules#scripted} (four incidents, one of each kind, per seed). Generating every
 * event of a week through {@code LoadGenerator.generate} would take hours on this machine, so each
 * window's statistics are sampled from the model's distributions instead: Poisson request counts,
 * binomial errors, and the p95 of n lognormal latencies with a sample quantile's error. Series: the
 * HTTP latency series of every route and the DB query series of every route that queries a database;
 * an incident labels the series {@link IncidentLabels#affectedSeries} names.
 */
public final class LoadgenTraffic {
    private static final long MIN = 60_000L;

    private LoadgenTraffic() {
    }

    public static List<SyntheticTraffic.Series> generate(long seed, int days, Instant start) {
        TrafficModel m = TrafficModel.standard();
        Instant end = start.plusSeconds(days * 86_400L);
        List<Incident> incidents = IncidentSchedules.scripted(start, end, seed);
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

    /** One service's windows per minute (every series of the service) and the incidents on it. */
    public record ServiceWindows(String service, List<List<WindowStats>> minutes, List<SyntheticTraffic.Incident> incidents) {
    }

    /**
     * Per service of {@link TrafficModel#standard()}: each minute's request and DB windows (the same sampled
     * series as {@link #generate}) plus CPU and memory windows sampled like the load generator's resource
     * metrics (two instances every 10 s: the window mean of 12 samples of {@code 25 x load} percent with
     * sd 4, and {@code 512 MB x (1 + 0.25 x load)} with sd 20 MB; load = seasonality x traffic surge). An
     * incident labels the service it names, whatever its kind.
     */
    public static List<ServiceWindows> services(long seed, int days, Instant start) {
        TrafficModel m = TrafficModel.standard();
        List<Incident> incidents = IncidentSchedules.scripted(start, start.plusSeconds(days * 86_400L), seed);
        List<SyntheticTraffic.Series> all = generate(seed, days, start);
        SplittableRandom rnd = new SplittableRandom(seed * 131 + 17);
        int n = days * 1440;
        List<ServiceWindows> out = new ArrayList<>();
        int idx = 0;
        for (String service : m.services()) {
            List<List<WindowStats>> minutes = new ArrayList<>(n);
            for (int w = 0; w < n; w++) {
                minutes.add(new ArrayList<>());
            }
            for (SyntheticTraffic.Series s : all) {
                if (s.windows().get(0).getService().equals(service)) {
                    for (int w = 0; w < n; w++) {
                        minutes.get(w).add(s.windows().get(w));
                    }
                }
            }
            for (int w = 0; w < n; w++) {
                long ws = start.toEpochMilli() + w * MIN;
                Instant t = Instant.ofEpochMilli(ws + MIN / 2);
                double load = m.seasonality(t) * surge(incidents, service, t);
                double cpu = Math.min(100, Math.max(1, 25 * load + 4 * rnd.nextGaussian() / Math.sqrt(12)));
                double mem = 512e6 * (1 + 0.25 * load) + 20e6 * rnd.nextGaussian() / Math.sqrt(12);
                minutes.get(w).add(resource(service, TrafficModel.CPU, ws, cpu, "percent"));
                minutes.get(w).add(resource(service, TrafficModel.MEMORY, ws, mem, "bytes"));
            }
            List<SyntheticTraffic.Incident> mine = new ArrayList<>();
            for (Incident i : incidents) {
                if (i.service().equals(service)) {
                    int s = (int) ((i.start().toEpochMilli() - start.toEpochMilli()) / MIN);
                    int e = (int) Math.ceil((i.end().toEpochMilli() - start.toEpochMilli()) / (double) MIN);
                    mine.add(new SyntheticTraffic.Incident(SyntheticTraffic.Kind.valueOf(i.kind().name()), idx, s, e,
                        i.magnitude()));
                }
            }
            out.add(new ServiceWindows(service, minutes, mine));
            idx++;
        }
        return out;
    }

    private static double surge(List<Incident> incidents, String service, Instant t) {
        double f = 1;
        for (Incident i : incidents) {
            if (i.kind() == dev.perfstream.ingest.loadgen.IncidentKind.TRAFFIC_SURGE && i.service().equals(service)
                && i.activeAt(t)) {
                f *= i.magnitude();
            }
        }
        return f;
    }

    private static WindowStats resource(String service, String metric, long ws, double mean, String unit) {
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName(metric).setService(service).setRoute("-")
            .setDeviceClass(null).setWindowStart(Instant.ofEpochMilli(ws)).setWindowEnd(Instant.ofEpochMilli(ws + MIN))
            .setCount(12).setErrors(0).setErrorRate(0).setRate(12 / 60.0).setMin(mean).setMax(mean).setMean(mean)
            .setP50(mean).setP75(mean).setP90(mean).setP95(mean).setP99(mean).setP999(mean).setUnit(unit).build();
    }

    private static SyntheticTraffic.Series series(TrafficModel m, TrafficModel.Route r, boolean db, List<Incident> incidents,
                                                  SplittableRandom rnd, int idx, int days, Instant start, long seed) {
        String metric = db ? TrafficModel.DB : TrafficModel.HTTP;
        String label = metric + "|" + r.service() + "|" + r.path();
        List<SyntheticTraffic.Incident> mine = new ArrayList<>();
        for (Incident i : incidents) {
            if (IncidentLabels.affectedSeries(m, i).contains(label)) {
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
