package dev.perfstream.runtime;

import java.util.Optional;

/** What a running stage tells its status server. */
public interface StageStatus {
    /** The stage's name: stats, alerts, scoring, sink, notify, collector. */
    String stage();

    /** Empty when the stage is alive; else why not (it failed and is stopping). Answers {@code /healthz}. */
    Optional<String> notAlive();

    /**
     * Empty when the stage is doing its work; else what it waits for (Kafka unreachable, a rebalance,
     * state restoration, a database that does not answer). Answers {@code /readyz}.
     */
    Optional<String> notReady();
}
