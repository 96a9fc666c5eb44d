package dev.perfstream.models.anomaly;

import dev.perfstream.models.store.ModelStore;
import java.io.UncheckedIOException;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tribuo.Model;
import org.tribuo.anomaly.Event;

/**
 * The multivariate detectors' side of the {@link ModelStore} (kind {@value #KIND}, series = the detector key):
 * publishes every retrained model as a new version, restores the model a detector state names, and adopts
 * newer versions stored by someone else. Keeps Tribuo types out of the streams module.
 */
public final class MultivariateModels implements MultivariateDetector.ModelPublisher {
    public static final String KIND = "multivariate";
    private static final String PREFIX = "ocsvm-v";
    private static final Logger LOG = LoggerFactory.getLogger(MultivariateModels.class);
    private final ModelStore store;

    public MultivariateModels(ModelStore store) {
        this.store = store;
    }

    @Override
    public String publish(String key, Model<Event> model) {
        try {
            return PREFIX + store.save(KIND, key, model);
        } catch (UncheckedIOException e) {
            LOG.warn("cannot store the retrained multivariate model of {}: {}; using it unstored", key, e.getMessage());
            return MultivariateDetector.UNSTORED;
        }
    }

    /**
     * Gives a detector read from its state the model its state names. If that model cannot be read (store
     * not shared, file lost, never stored), retrains from the buffer and publishes the result.
     */
    public void restore(MultivariateDetector d) {
        int v = versionOf(d.modelVersion());
        if (d.modelVersion().equals(MultivariateDetector.NONE)) {
            return;
        }
        if (v > 0) {
            try {
                var stored = store.load(KIND, d.key(), v);
                if (stored.isPresent()) {
                    d.restoreModel(cast(stored.get().model()));
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("cannot read multivariate model {} of {}: {}", d.modelVersion(), d.key(), e.toString());
            }
        }
        LOG.info("multivariate model {} of {} not in {}; retraining from the stored buffer", d.modelVersion(), d.key(),
            store.root());
        d.train(this);
    }

    /** Adopts a stored version newer than the detector's; true if it did. */
    public boolean adoptNewer(MultivariateDetector d) {
        try {
            OptionalInt latest = store.latestVersion(KIND, d.key());
            if (latest.isEmpty() || latest.getAsInt() <= versionOf(d.modelVersion())) {
                return false;
            }
            var stored = store.load(KIND, d.key(), latest.getAsInt()).orElseThrow();
            return d.useModel(cast(stored.model()), PREFIX + stored.version());
        } catch (RuntimeException e) {
            LOG.warn("cannot adopt a stored multivariate model for {}: {}", d.key(), e.toString());
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private static Model<Event> cast(Model<?> m) {
        if (!(m.getOutputIDInfo().getDomain().iterator().next() instanceof Event)) {
            throw new IllegalArgumentException("not an anomaly model: " + m.getClass().getName());
        }
        return (Model<Event>) m;
    }

    static int versionOf(String label) {
        if (!label.startsWith(PREFIX)) {
            return 0;
        }
        try {
            return Integer.parseInt(label.substring(PREFIX.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
