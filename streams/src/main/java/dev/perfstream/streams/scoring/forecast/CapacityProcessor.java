package dev.perfstream.streams.scoring.forecast;

import dev.perfstream.models.capacity.Advice;
import dev.perfstream.models.capacity.CapacityEstimate;
import dev.perfstream.models.capacity.CapacityModel;
import dev.perfstream.models.capacity.CapacitySample;
import dev.perfstream.models.capacity.RateForecast;
import dev.perfstream.models.capacity.ScalingAdvisor;
import dev.perfstream.schemas.avro.Recommendation;
import dev.perfstream.schemas.avro.ScalingAction;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringTopology;
import dev.perfstream.streams.scoring.multivariate.ServiceWindow;

/**
 * Scaling advice per service, once per window of the service forecaster ({@link ForecastProcessor} in the
 * services scope hands over each service total with its rate forecasts). Per service, in the
 * {@value ScoringTopology#CAPACITY_STORE} store: the last {@code capacity.history} windows as
 * {@link CapacitySample}s (rate over all routes, the instance count, CPU, the count-weighted p95 of the
 * request routes), the {@link CapacityModel} estimate refitted every {@code capacity.refit.every} (Tribuo linear SGD
 * of KPI / p95 on the rate per instance), and the {@link ScalingAdvisor}'s 16-byte state (what it advised, and since
 * when fewer instances would do). {@code capacity.<service>.rate} over {@code capacity.<service>.instances} is the
 * manual capacity per instance and wins over the learned one. One {@code Recommendation} per service and window goes
 * to perf.recommendations, keyed by service.
 *
 * <p>The instance count ("now") is measured: the most distinct instances any of the service's request, CPU or memory
 * windows counted ({@code WindowStats.instances}, from the events' {@code instance}); when the service's events carry
 * none, the configured {@code capacity.<service>.instances} / {@code capacity.instances}. A service without either
 * gets advice UNKNOWN naming the key. Windows whose capacity inputs are invalid (NaN or negative rate, p95 or CPU) never get
 * here: the stage's decode node ({@value ScoringTopology#PROCESSOR}) dead-letters them with the reason ({@link #problem}).
 */
public final class CapacityProcessor implements Processor<String, CapacityProcessor.Input, Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(CapacityProcessor.class);
    private static final byte VERSION = 1;
    private static final String STAGE = "scoring";
    /** Refit cadence of a capacity the model could not estimate yet: it is cheap while the history is short. */
    private static final int UNKNOWN_REFIT_WINDOWS = 10;

    /** A service total (of the forecast window) and the rate forecasts made from it. */
    public record Input(ServiceWindow window, List<RateForecast> forecasts) {
    }

    private final CapacityConfig cfg;
    private final CapacityModel model;
    private final RecordCodec<Recommendation> codec;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> store;
    /** Services whose advised count this task exposes, with the wall-clock time it was last set. */
    private final java.util.Map<String, Long> exposed = new java.util.HashMap<>();
    private final long windowMs;

    public CapacityProcessor(ScoringConfig c, Settings settings) {
        this.cfg = c.capacity();
        this.model = new CapacityModel(cfg.model());
        this.codec = Codecs.create(Recommendation.getClassSchema(), settings);
        this.windowMs = c.forecast().window().toMillis();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.store = context.getStateStore(ScoringTopology.CAPACITY_STORE);
        context.schedule(java.time.Duration.ofMillis(windowMs), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    /** A service that got no advice for five windows of wall-clock time is no longer exposed (it stopped, or moved). */
    private void expire(long now) {
        exposed.entrySet().removeIf(e -> {
            boolean old = now - e.getValue() > 5 * windowMs;
            if (old) {
                PerfstreamMetrics.ADVISED_INSTANCES.remove(STAGE, e.getKey());
            }
            return old;
        });
    }

    @Override
    public void close() {
        exposed.keySet().forEach(service -> PerfstreamMetrics.ADVISED_INSTANCES.remove(STAGE, service));
        exposed.clear();
    }

    /**
     * Why a perf.stats window cannot feed the scaling advice, or null: checked on every window of the request, CPU
     * and memory metrics of the multivariate window size while the advice is on (the stage's decode node dead-letters
     * the window with this reason, the multivariate router leaves it out).
     */
    public static String problem(WindowStats w, ScoringConfig c) {
        if (!ScoringTopology.advisesCapacity(c) || w.getKind() != SeriesKind.METRIC || w.getServiceVersion() != null
            || w.getCount() <= 0 || !c.multivariate().metrics().feeds(w)
            || w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli() != c.multivariate().window().toMillis()) {
            return null;
        }
        if (!Double.isFinite(w.getRate()) || w.getRate() < 0) {
            return "field 'rate' is " + w.getRate() + ": a window of " + w.getCount() + " events needs a finite rate >= 0"
                + " (scaling advice input)";
        }
        if (w.getName().equals(c.multivariate().metrics().request()) && (!Double.isFinite(w.getP95()) || w.getP95() < 0)) {
            return "field 'p95' is " + w.getP95() + ": a latency window of " + w.getCount() + " events needs a finite p95"
                + " >= 0 (scaling advice input)";
        }
        if (w.getName().equals(c.multivariate().metrics().cpu()) && (!Double.isFinite(w.getMean()) || w.getMean() < 0)) {
            return "field 'mean' is " + w.getMean() + ": a CPU window of " + w.getCount() + " events needs a finite mean"
                + " >= 0 (scaling advice input)";
        }
        return null;
    }

    @Override
    public void process(Record<String, Input> r) {
        ServiceWindow sw = r.value().window();
        WindowStats w = sw.total();
        String service = w.getService();
        long start = w.getWindowStart().toEpochMilli();
        State st = load(service);
        if (st.lastStart != Long.MIN_VALUE && start <= st.lastStart) {
            return; // already advised for this window (the vector of a window closes once; a guard all the same)
        }
        st.lastStart = start;
        boolean measured = sw.instances() > 0;
        int current = measured ? sw.instances() : cfg.instancesOf(service);
        double rate = w.getRate();
        if (current >= 1 && sw.p95() > 0) { // p95 0: a window of 0 ms requests says nothing about capacity
            try {
                st.samples.addLast(new CapacitySample(start, rate, current, sw.cpu(), sw.p95()));
                while (st.samples.size() > cfg.historyWindows()) {
                    st.samples.removeFirst();
                }
            } catch (IllegalArgumentException e) {
                LOG.warn("{} window {} not used for its capacity: {}", service, w.getWindowStart(), e.getMessage());
            }
        }
        st.sinceFit++;
        if (st.estimate == null || st.sinceFit >= cfg.refitWindows()
            || (!st.estimate.known() && st.sinceFit >= Math.min(cfg.refitWindows(), UNKNOWN_REFIT_WINDOWS))) {
            st.estimate = model.fit(new ArrayList<>(st.samples));
            st.sinceFit = 0;
            LOG.debug("capacity of {} refitted on {} windows: {}", service, st.samples.size(), st.estimate);
        }
        double price = cfg.priceOf(service);
        Recommendation rec;
        if (current < 1) {
            rec = unknown(w, rate, "instance count unknown: the service's events carry no instance; set capacity." + service
                + ".instances (or capacity.instances)");
        } else {
            ScalingAdvisor advisor = new ScalingAdvisor(cfg.policy(price));
            ScalingAdvisor.State state = st.advisor == null ? ScalingAdvisor.State.initial(current) : st.advisor;
            CapacityEstimate capacity = CapacityEstimate.withOverride(st.estimate, cfg.overridePerInstance(service));
            ScalingAdvisor.Step step = advisor.advise(service, start, current, rate, r.value().forecasts(), capacity, state);
            st.advisor = step.state();
            rec = toRecord(step.advice(), w, rate, price);
            rec.setInstancesSource(measured ? "measured" : "configured");
        }
        store.put(service, st.encode());
        if (rec.getAction() == ScalingAction.UNKNOWN) {
            if (exposed.remove(service) != null) {
                PerfstreamMetrics.ADVISED_INSTANCES.remove(STAGE, service);
            }
        } else {
            PerfstreamMetrics.ADVISED_INSTANCES.labelValues(STAGE, service).set(rec.getAdvised());
            exposed.put(service, context.currentSystemTimeMs());
        }
        context.forward(new Record<>(service, codec.encode(cfg.topic(), rec), r.timestamp()),
            ScoringTopology.RECOMMENDATIONS_SINK);
    }

    private Recommendation unknown(WindowStats w, double rate, String reason) {
        return Recommendation.newBuilder().setService(w.getService()).setWindowStart(w.getWindowStart())
            .setWindowEnd(w.getWindowEnd()).setAction(ScalingAction.UNKNOWN).setCurrent(0).setAdvised(0)
            .setFrom(w.getWindowStart()).setRate(finite(rate)).setCapacitySource("unknown")
            .setSummary(w.getService() + ": no advice (" + reason + ")").setReason(reason).build();
    }

    /** The advice as a record; cost fields only with a configured price. */
    static Recommendation toRecord(Advice a, WindowStats w, double rate, double price) {
        boolean known = a.action() != Advice.Action.UNKNOWN;
        boolean priced = !Double.isNaN(price);
        String summary = a.summary();
        if (!priced && known) {
            summary = summary.substring(0, summary.lastIndexOf("; cost"));
        }
        return Recommendation.newBuilder().setService(a.service()).setWindowStart(w.getWindowStart())
            .setWindowEnd(w.getWindowEnd()).setAction(ScalingAction.valueOf(a.action().name()))
            .setCurrent(a.current()).setAdvised(a.advised()).setFrom(Instant.ofEpochMilli(a.fromMs()))
            .setExpected(known ? a.expected() : null).setLow(known ? a.lower() : null).setHigh(known ? a.upper() : null)
            .setRate(finite(rate)).setCapacityPerInstance(finite(a.capacity())).setCapacitySource(a.capacitySource())
            .setPricePerInstanceHour(priced ? price : null)
            .setCostPerHour(priced ? cost(a.advised(), price) : null)
            .setCostDeltaPerHour(priced ? cost(a.advised() - a.current(), price) : null)
            .setSummary(summary).setReason(a.reason()).build();
    }

    /**
     * {@code instances x price} in decimal arithmetic, so a price of 0.10 costs 0.3 for three instances (not the
     * binary product 0.30000000000000004), as the configured price reads.
     */
    static double cost(int instances, double price) {
        return java.math.BigDecimal.valueOf(price).multiply(java.math.BigDecimal.valueOf(instances)).doubleValue();
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private State load(String service) {
        byte[] b = store.get(service);
        if (b != null) {
            try {
                return State.decode(b);
            } catch (IllegalArgumentException e) {
                LOG.warn("capacity state of {} unreadable ({}); starting it afresh", service, e.getMessage());
            }
        }
        return new State();
    }

    /** What the processor keeps per service (one store record, rewritten every window). */
    static final class State {
        long lastStart = Long.MIN_VALUE;
        int sinceFit;
        CapacityEstimate estimate;
        ScalingAdvisor.State advisor;
        final ArrayDeque<CapacitySample> samples = new ArrayDeque<>();

        byte[] encode() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 24 * samples.size());
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(VERSION);
                out.writeLong(lastStart);
                out.writeInt(sinceFit);
                out.writeBoolean(advisor != null);
                if (advisor != null) {
                    out.write(advisor.encode());
                }
                out.writeBoolean(estimate != null);
                if (estimate != null) {
                    out.writeByte(estimate.status().ordinal());
                    out.writeDouble(estimate.perInstance());
                    out.writeDouble(estimate.crossing());
                    out.writeDouble(estimate.maxObserved());
                    out.writeUTF(estimate.binding());
                    out.writeInt(estimate.samples());
                    out.writeUTF(estimate.reason().length() > 1000 ? estimate.reason().substring(0, 1000) : estimate.reason());
                }
                out.writeInt(samples.size());
                for (CapacitySample s : samples) { // floats: 7 digits are more than a window's measurement has
                    out.writeLong(s.timeMs());
                    out.writeFloat((float) s.rate());
                    out.writeInt(s.instances());
                    out.writeFloat((float) s.cpu());
                    out.writeFloat((float) s.p95Ms());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        /** @throws IllegalArgumentException if the bytes are not a state of this version */
        static State decode(byte[] bytes) {
            State st = new State();
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                byte v = in.readByte();
                if (v != VERSION) {
                    throw new IllegalArgumentException("capacity state of version " + v + ", expected " + VERSION);
                }
                st.lastStart = in.readLong();
                st.sinceFit = in.readInt();
                if (in.readBoolean()) {
                    st.advisor = ScalingAdvisor.State.decode(in.readNBytes(16));
                }
                if (in.readBoolean()) {
                    CapacityEstimate.Status status = CapacityEstimate.Status.values()[in.readByte()];
                    double per = in.readDouble();
                    double crossing = in.readDouble();
                    double max = in.readDouble();
                    String binding = in.readUTF();
                    int n = in.readInt();
                    st.estimate = new CapacityEstimate(status, per, crossing, max, binding, n, in.readUTF());
                }
                int n = in.readInt();
                if (n < 0 || n > 1_000_000) {
                    throw new IllegalArgumentException("capacity state with " + n + " samples");
                }
                for (int i = 0; i < n; i++) {
                    st.samples.addLast(new CapacitySample(in.readLong(), in.readFloat(), in.readInt(), in.readFloat(),
                        in.readFloat()));
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("unreadable capacity state: " + e.getMessage(), e);
            }
            return st;
        }
    }
}
