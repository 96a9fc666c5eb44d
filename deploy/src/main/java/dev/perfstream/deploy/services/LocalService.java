package dev.perfstream.deploy.services;

import java.util.Optional;

/**
 * One local service (Kafka broker, InfluxDB, schema registry). Implementations
 * write their own config under the services folder, start a process, and wait until it answers.
 */
public interface LocalService {
    /** Short name for messages: {@code kafka}, {@code influxdb}, {@code registry}. */
    String name();

    /** Where clients reach it: {@code 127.0.0.1:9092}, {@code http://127.0.0.1:8086}. */
    String address();

    /** Throws {@link PortInUseException} if a port it needs is taken. Called for all services before any starts. */
    void checkPorts() throws PortInUseException;

    /** Starts the process and blocks until it is ready (or the deadline passes). */
    void start() throws ServiceException;

    /**
     * Makes a service that was already running (an earlier {@code services start}, maybe of an older version)
     * fit for this run, e.g. creates topics this version added. Nothing by default.
     */
    default void reuse() throws ServiceException {
    }

    /** PID of the running service, if any. */
    Optional<Long> pid();

    /** Stops it if it runs (idempotent). @return true if something was stopped */
    boolean stop();

    /** Path of the service's log file. */
    String logFile();
}
