package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.alerts.slo.BurnRate;
import dev.perfstream.streams.alerts.slo.Slo;
import dev.perfstream.streams.alerts.slo.SloBuckets;
import dev.perfstream.streams.alerts.state.AlertStateMachine;
import dev.perfstream.streams.alerts.state.AlertStatus;
import dev.perfstream.streams.alerts.state.Transition;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SLOs: each window's counts go into the SLO's buckets ({@link SloBuckets}); at each bucket boundary
 * every burn rate (long and short look-back over the complete buckets) drives its own alert.
 */
final class SloAlerts {
    private final AlertStatuses statuses;
    private final SloBuckets buckets;
    private final AlertOutput out;
    private final Clock clock;
    /** The last bucket evaluated, by SLO id and service. */
    private final Map<String, Long> evaluatedAt = new HashMap<>();

    SloAlerts(AlertStatuses statuses, SloBuckets buckets, AlertOutput out, Clock clock) {
        this.statuses = statuses;
        this.buckets = buckets;
        this.out = out;
        this.clock = clock;
    }

    void evaluate(Slo slo, WindowStats s, long ts) {
        String service = s.getService();
        long win = slo.window().toMillis();
        long bucket = Math.floorDiv(s.getWindowStart().toEpochMilli(), win) * win;
        // Evaluate once per bucket boundary, over the buckets before it (complete by then): the stats
        // stage emits every route's window of a minute together, after its grace period.
        String key = slo.id() + '\u0000' + service;
        Long last = evaluatedAt.get(key);
        if (last == null || bucket > last) {
            evaluatedAt.put(key, bucket);
            evaluateBurnRates(slo, service, bucket, ts);
            buckets.expire(slo.id(), service, bucket - slo.longest().toMillis() - win);
        }
        buckets.add(slo.id(), service, bucket, s.getCount(), s.getErrors());
    }

    private void evaluateBurnRates(Slo slo, String service, long now, long ts) {
        List<BurnRate> brs = slo.burnRates();
        long[] lookbacks = new long[brs.size() * 2];
        for (int i = 0; i < brs.size(); i++) {
            lookbacks[2 * i] = brs.get(i).longWindow().toMillis();
            lookbacks[2 * i + 1] = brs.get(i).shortWindow().toMillis();
        }
        long[][] totals = buckets.totals(slo.id(), service, now, lookbacks);
        double budget = 1 - slo.objective();
        String series = SeriesKey.slo(slo.id(), service).display();
        for (int i = 0; i < brs.size(); i++) {
            BurnRate b = brs.get(i);
            long[] lg = totals[2 * i];
            long[] sh = totals[2 * i + 1];
            double burnLong = lg[0] == 0 ? Double.NaN : (double) lg[1] / lg[0] / budget;
            double burnShort = sh[0] < slo.minEvents() ? Double.NaN : (double) sh[1] / sh[0] / budget;
            long earliest = totals[totals.length - 1][0];
            if (earliest > now - (long) (b.longWindow().toMillis() * slo.minCoverage())) {
                burnLong = Double.NaN; // not enough history for the long window yet
            }
            double v = Double.isNaN(burnLong) || Double.isNaN(burnShort) ? Double.NaN : Math.min(burnLong, burnShort);
            String id = slo.id() + "/" + b.name();
            String fp = Series.fingerprint(id, series);
            AlertStatus before = statuses.store.get(fp);
            AlertStatus st = AlertStatuses.current(before, id, slo.version(), series);
            boolean breach = !Double.isNaN(v) && v >= b.factor();
            Transition t = AlertStateMachine.step(st, slo.policy(), now - slo.window().toMillis(), now, v, breach,
                !Double.isNaN(v) && !breach);
            statuses.save(fp, before, t.status(), false);
            if (t.emit() != Transition.Emit.NONE) {
                out.forward(fp, Notifications.forSlo(slo, b, t.status(), t.emit(), service, burnLong, burnShort,
                    now - b.shortWindow().toMillis(), now, clock.millis()), ts);
            }
        }
    }
}
