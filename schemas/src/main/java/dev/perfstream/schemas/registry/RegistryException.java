package dev.perfstream.schemas.registry;

/**
 * The registry answered, but not as hoped, in a way that retrying will not fix: credentials
 * rejected (401/403), a schema refused (409 incompatible, 422 invalid), an unexpected answer.
 * A configuration problem of the deployment, not of one record, so it is not dead-lettered: it
 * stops the caller, loudly.
 */
public class RegistryException extends RuntimeException {
    private final int status;

    public RegistryException(String message, int status) {
        super(message);
        this.status = status;
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = -1;
    }

    /** HTTP status, or -1 when there was no answer. */
    public int status() {
        return status;
    }
}
