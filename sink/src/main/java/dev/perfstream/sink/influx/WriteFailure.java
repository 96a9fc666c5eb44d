package dev.perfstream.sink.influx;

/**
 * A write InfluxDB did not acknowledge. {@link #rejected()} means InfluxDB refused the data itself
 * (HTTP 400, 413 or 422: a point it cannot parse or store); anything else (no connection, timeouts,
 * 5xx, 401/403/404) is treated as transient: retried with backoff, never dropped.
 */
final class WriteFailure extends Exception {
    private final int status;

    WriteFailure(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** HTTP status, 0 when there was no answer. */
    int status() {
        return status;
    }

    boolean rejected() {
        return status == 400 || status == 413 || status == 422;
    }

    /** InfluxDB 1.x answers 404 with "database not found" when the database is missing. */
    boolean databaseMissing() {
        return status == 404 && String.valueOf(getMessage()).contains("database not found");
    }
}
