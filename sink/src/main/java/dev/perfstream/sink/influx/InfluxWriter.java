package dev.perfstream.sink.influx;

import java.util.List;

/** Writes points, given as line protocol in millisecond precision, and returns only once InfluxDB acknowledged them. */
interface InfluxWriter extends AutoCloseable {
    /** Prepares the target (v1: {@code CREATE DATABASE}, which is idempotent). */
    void prepare() throws WriteFailure;

    /** @throws WriteFailure when InfluxDB did not answer 2xx */
    void write(List<String> lines) throws WriteFailure;

    /** For logs: which API and where. */
    String describe();

    @Override
    void close();
}
