package dev.perfstream.streams.scoring.multivariate;

import dev.perfstream.models.anomaly.MultivariateDetector;
import dev.perfstream.models.anomaly.MultivariateModels;
import dev.perfstream.models.anomaly.MultivariateStateCodec;
import dev.perfstream.models.anomaly.ServiceVitals;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.series.SeriesKey;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.perfstream.streams.scoring.ScoringConfig;

/**
 * The multivariate detector of each service through its life: created after a probation that fixes its dimensions,
 * re-created over a wider set when a dimension it lacks keeps arriving, kept in the {@link MultivariateStore} after
 * every observation and in an LRU cache of {@code scoring.cache.max} services, and moved to a newer stored model on
 * reload.
 */
final class MultivariateDetectors {
    private static final Logger LOG = LoggerFactory.getLogger(MultivariateDetectors.class);

    private final MultivariateScoringConfig mv;
    private final MultivariateModels models;
    private final Map<String, MultivariateDetector> cache;
    private MultivariateStore store;

    MultivariateDetectors(ScoringConfig cfg, ModelStore modelStore) {
        this.mv = cfg.multivariate();
        this.models = new MultivariateModels(modelStore);
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, MultivariateDetector> e) {
                return size() > cfg.cacheMax();
            }
        };
    }

    /** Works on {@code store} from now on, the cache emptied (a task's (re)initialisation). */
    void attach(MultivariateStore store) {
        this.store = store;
        cache.clear();
    }

    /** The service's detector (cache, then store), or null if it has none yet. */
    MultivariateDetector get(String service) {
        MultivariateDetector d = cache.get(service);
        if (d != null) {
            return d;
        }
        byte[] bytes = store.detector(service);
        if (bytes == null) {
            return null;
        }
        try {
            d = MultivariateStateCodec.decode(bytes, mv.detector());
            models.restore(d);
        } catch (IllegalArgumentException e) {
            LOG.warn("multivariate detector state of {} unreadable ({}); starting it afresh", service, e.getMessage());
            store.deleteDetector(service);
            return null;
        }
        cache.put(service, d);
        return d;
    }

    /** Scores and learns one vector, then stores the detector. */
    MultivariateDetector.Result observe(String service, MultivariateDetector d, double[] vector) {
        MultivariateDetector.Result res = d.observe(vector, models);
        store.putDetector(service, MultivariateStateCodec.encode(d));
        return res;
    }

    /**
     * A service's dimensions are fixed when its detector is created, after {@code 2 x expect.windows} closed
     * vectors: the request dimensions plus each resource dimension present in at least half of them. One
     * vector is not enough: the first ones are closed at the deadline, and on a backlog a resource series
     * may not have arrived by then.
     *
     * @return the new detector once the probation is over, else null
     */
    MultivariateDetector probation(String service, List<String> available) {
        int dims = ServiceVitals.ALL.size();
        byte[] b = store.probation(service);
        ByteBuffer counts = b == null ? ByteBuffer.allocate(4 * (dims + 1)) : ByteBuffer.wrap(b);
        counts.putInt(0, counts.getInt(0) + 1);
        for (int i = 0; i < dims; i++) {
            if (available.contains(ServiceVitals.ALL.get(i))) {
                counts.putInt(4 * (i + 1), counts.getInt(4 * (i + 1)) + 1);
            }
        }
        int closes = counts.getInt(0);
        if (closes < 2 * mv.expectWindows()) {
            store.putProbation(service, counts.array());
            return null;
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < dims; i++) {
            if (2 * counts.getInt(4 * (i + 1)) >= closes) {
                names.add(ServiceVitals.ALL.get(i));
            }
        }
        store.deleteProbation(service);
        MultivariateDetector d = new MultivariateDetector(SeriesKey.multivariate(service).id(), names, mv.detector());
        models.adoptNewer(d);
        LOG.info("multivariate detector of {} created over {}", service, names);
        cache.put(service, d);
        return d;
    }

    /**
     * A detector created while a resource series was not arriving yet (say the first vectors after a restart on
     * a backlog closed at the deadline without CPU) would never learn that dimension. When a dimension the
     * detector lacks is present in {@code 2 x expect.windows} consecutive vectors, the detector is created
     * afresh over the wider set: a new model, cold again (conservative scores until it has learned).
     */
    MultivariateDetector widenIfNeeded(String service, MultivariateDetector d, List<String> available) {
        List<String> extra = new ArrayList<>();
        for (String name : ServiceVitals.ALL) {
            if (available.contains(name) && !d.names().contains(name)) {
                extra.add(name);
            }
        }
        if (extra.isEmpty()) {
            store.clearWidenRun(service);
            return d;
        }
        int run = store.widenRun(service) + 1;
        if (run < 2 * mv.expectWindows()) {
            store.putWidenRun(service, run);
            return d;
        }
        store.deleteWidenRun(service);
        List<String> names = new ArrayList<>();
        for (String name : ServiceVitals.ALL) {
            if (d.names().contains(name) || extra.contains(name)) {
                names.add(name);
            }
        }
        MultivariateDetector wider = new MultivariateDetector(SeriesKey.multivariate(service).id(), names, mv.detector());
        LOG.info("multivariate detector of {} re-created over {}: {} present in {} consecutive vectors since it was "
            + "created over {}", service, names, extra, run, d.names());
        cache.put(service, wider);
        return wider;
    }

    /** Moves every cached detector to a newer stored model, if there is one. */
    void reload() {
        cache.forEach((service, d) -> {
            if (models.adoptNewer(d)) {
                store.putDetector(service, MultivariateStateCodec.encode(d));
                LOG.info("multivariate detector of {} now uses stored model {}", service, d.modelVersion());
            }
        });
    }
}
