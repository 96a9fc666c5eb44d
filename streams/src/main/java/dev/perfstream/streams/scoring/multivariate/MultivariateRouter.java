package dev.perfstream.streams.scoring.multivariate;

import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.outage.ParkedRecord;
import dev.perfstream.streams.outage.ParkedRecords;
import dev.perfstream.streams.outage.ParkingProcessor;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.api.Record;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringTopology;
import dev.perfstream.streams.scoring.forecast.CapacityProcessor;

/**
 * First step of the multivariate branch: keeps the perf.stats windows that feed a service's joint vector
 * (METRIC series of the configured metrics, windows of {@code scoring.multivariate.window}) and re-keys them
 * by service for the repartition topic. The value bytes pass through unchanged. A record that does not
 * decode is left out here: the stage's decode node ({@value ScoringTopology#PROCESSOR}) reads the same record and dead-letters it with the
 * reason, so it is reported exactly once.
 */
public final class MultivariateRouter extends ParkingProcessor<String, byte[]> {
    private final ScoringConfig cfg;
    private final RecordCodec<WindowStats> codec;

    public MultivariateRouter(ScoringConfig cfg, Settings settings, ParkedRecords.Config outage, AtomicLong parkedGauge) {
        super("scoring-multivariate", ScoringTopology.MULTIVARIATE_PARKED_STORE, outage, parkedGauge);
        this.cfg = cfg;
        this.codec = Codecs.create(WindowStats.getClassSchema(), settings);
    }

    /** Decoding first: an unreachable registry leaves nothing forwarded, and the record waits (ParkedRecords). */
    @Override
    protected void handle(ParkedRecord r) {
        WindowStats w;
        try {
            w = codec.decode(cfg.statsTopic(), r.value());
        } catch (DecodeException e) {
            return; // dead-lettered by the decode node
        }
        if (CapacityProcessor.problem(w, cfg) != null) {
            return; // dead-lettered by the decode node
        }
        long size = w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli();
        if (size == cfg.multivariate().window().toMillis() && w.getServiceVersion() == null
            && cfg.multivariate().metrics().feeds(w)) {
            context().forward(new Record<>(w.getService(), r.value(), r.timestamp()));
        }
    }
}
