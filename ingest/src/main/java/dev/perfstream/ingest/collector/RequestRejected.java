package dev.perfstream.ingest.collector;

/** A whole request refused at the edge: HTTP status, metric reason code, and a message naming the field. */
final class RequestRejected extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;
    final String reason;

    RequestRejected(int status, String reason, String message) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
    }
}
