package dev.perfstream.streams.outage;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The front node of a stage that decodes registry-encoded bytes: every input record goes through
 * {@link ParkedRecords}, so while the schema registry is unreachable records wait in order in the
 * stage's parked store and are replayed later, and a subclass sees each record once, live or replayed,
 * in {@link #handle}. The stats, alerts and scoring stages and the scoring stage's multivariate router
 * all start this way; what they decode, check and dead-letter is theirs.
 */
public abstract class ParkingProcessor<KOut, VOut> implements Processor<byte[], byte[], KOut, VOut> {
    private final ParkedRecords parking;
    private final String parkedStore;
    private ProcessorContext<KOut, VOut> context;
    /** The record being processed, and its parked form: its headers are read while it is handled live. */
    private Record<byte[], byte[]> live;
    private ParkedRecord liveParked;

    /**
     * @param stage       the stage's name in logs and metrics
     * @param parkedStore the store records wait in ({@link ParkedRecords#storeBuilder}, connected to this node)
     */
    protected ParkingProcessor(String stage, String parkedStore, ParkedRecords.Config outage, AtomicLong parkedGauge) {
        this.parking = new ParkedRecords(outage, stage, this::handle, parkedGauge);
        this.parkedStore = parkedStore;
    }

    @Override
    public void init(ProcessorContext<KOut, VOut> context) {
        this.context = context;
        parking.init(context, parkedStore);
    }

    @Override
    public final void process(Record<byte[], byte[]> record) {
        ParkedRecord r = ParkedRecords.of(record, context.recordMetadata());
        live = record;
        liveParked = r;
        try {
            if (!direct(r)) {
                parking.offer(r);
            }
        } finally {
            live = null;
            liveParked = null;
        }
    }

    /**
     * The headers of {@code r} when it is handled as it arrives; null when it is replayed from the parked store, which
     * keeps no headers.
     */
    protected final Headers liveHeaders(ParkedRecord r) {
        return r == liveParked ? live.headers() : null;
    }

    @Override
    public void close() {
        parking.close();
    }

    protected final ProcessorContext<KOut, VOut> context() {
        return context;
    }

    /** Records parked now (waiting for the registry). */
    protected final long parked() {
        return parking.parked();
    }

    /**
     * A record that needs no registry (for example one from another task of the same stage) may be handled
     * here at once, bypassing the queue; true when it was. By default every record goes through the queue.
     */
    protected boolean direct(ParkedRecord r) {
        return false;
    }

    /**
     * One record, live or replayed after an outage. Decode first: a {@code RegistryUnavailableException} thrown
     * before any side effect parks the record; any other problem is the subclass's to dead-letter.
     */
    protected abstract void handle(ParkedRecord r);
}
