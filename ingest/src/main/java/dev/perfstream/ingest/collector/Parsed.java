package dev.perfstream.ingest.collector;

import java.util.List;

/**
 * Items of one request: the events to send and, per rejected item, its index and why.
 *
 * @param <T> the event type
 */
record Parsed<T>(List<T> accepted, List<Rejection> rejected) {
    /** One rejected item of a batch; {@code reason} names the field. */
    record Rejection(int index, String code, String reason) {
    }
}
