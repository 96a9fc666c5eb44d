package dev.perfstream.bench.eval;

import dev.perfstream.models.anomaly.MultivariateConfig;
import dev.perfstream.models.anomaly.MultivariateDetector;
import dev.perfstream.models.anomaly.ServiceVitals;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesKey;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores each service's joint vector minute by minute with the scoring topology's code
 * ({@link ServiceVitals} assembly, {@link MultivariateDetector}) and counts detections and false alarms with
 * {@link AnomalyEval#count}. Per service: incidents, detections within {@link AnomalyEval#WITHIN} windows,
 * calm days and false alarm episodes.
 */
public final class MultivariateEval {
    /** Per service, summed over seeds. */
    public static final class ServiceResult {
        public int incidents;
        public int detectedWithin;
        public long calmWindows;
        public long episodes;
    }

    private final MultivariateConfig cfg;
    private final AnomalyEval counter;
    public final Map<String, ServiceResult> byService = new TreeMap<>();

    public MultivariateEval(MultivariateConfig cfg, double threshold) {
        this.cfg = cfg;
        this.counter = new AnomalyEval(null, List.of(), threshold);
    }

    public void evaluate(LoadgenTraffic.ServiceWindows s, AnomalyEval.Result r) {
        long t0 = System.nanoTime();
        ServiceVitals.Metrics metrics = ServiceVitals.Metrics.defaults();
        MultivariateDetector d = new MultivariateDetector(SeriesKey.multivariate(s.service()).id(), ServiceVitals.ALL, cfg);
        int n = s.minutes().size();
        double[] score = new double[n];
        for (int w = 0; w < n; w++) {
            ServiceVitals v = new ServiceVitals();
            for (WindowStats ws : s.minutes().get(w)) {
                v.add(metrics, ws);
            }
            score[w] = v.available().size() == ServiceVitals.ALL.size()
                ? d.observe(v.vector(ServiceVitals.ALL), null).score() : 0;
        }
        r.observations += n;
        int before = r.byKind.values().stream().mapToInt(k -> k.detectedWithin).sum();
        long[] calm = counter.count(score, s.incidents(), r);
        ServiceResult sr = byService.computeIfAbsent(s.service(), k -> new ServiceResult());
        sr.incidents += s.incidents().size();
        sr.detectedWithin += r.byKind.values().stream().mapToInt(k -> k.detectedWithin).sum() - before;
        sr.calmWindows += calm[0];
        sr.episodes += calm[1];
        r.series++;
        r.seconds += (System.nanoTime() - t0) / 1e9;
    }
}
