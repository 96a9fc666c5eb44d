package dev.perfstream.schemas.kafka;

/**
 * Kafka refused a process at start: its credentials (SASL, TLS) or the ACLs of its principal. The message
 * is one line that names the setting to fix and what the broker answered; never a secret. A configuration
 * problem, so the CLI prints the message and exits non-zero (as for any {@link IllegalArgumentException}).
 */
public class KafkaAccessException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public KafkaAccessException(String message) {
        super(message);
    }
}
