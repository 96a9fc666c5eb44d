package dev.perfstream.schemas.registry;

/**
 * The registry could not be reached (connection refused, timeout, 5xx, 429) for longer than
 * {@code schema.registry.retry.timeout}. Transient by nature: the record is fine, so it must not be
 * dead-lettered. The Kafka Streams stages catch it and park the record (and the task's later ones)
 * in a changelogged store until the registry answers again; other callers retry or report it.
 */
public class RegistryUnavailableException extends RegistryException {
    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
