package dev.perfstream.sink.influx;

/** A decoded result cannot become an InfluxDB point; the message says why, for the dead-letter topic. */
public final class MappingException extends Exception {
    MappingException(String message) {
        super(message);
    }
}
