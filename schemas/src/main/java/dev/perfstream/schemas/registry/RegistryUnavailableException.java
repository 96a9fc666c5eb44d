package dev.perfstream.schemas.registry;

/**
 * The registry could not be reached (connection refused, timeout, 5xx, 429) for longer than
 * {@code schema.registry.retry.timeout}. Transient by nature: the record is fine, so it must not be
 * dead-lettered. A stage lets this propagate; Kafka Streams then fails the stream thread, which
 * (with the {@code REPLACE_THREAD} uncaught-exception response) restarts from the last committed
 * offset: nothing is lost.
 */
public class RegistryUnavailableException extends RegistryException {
    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
