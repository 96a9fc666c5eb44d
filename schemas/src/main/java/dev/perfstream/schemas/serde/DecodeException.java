package dev.perfstream.schemas.serde;

/**
 * A record's bytes could not be turned into an event. The message is meant for a human reading the
 * dead-letter topic: it names the field and what was wrong with it. {@link #code()} is the
 * machine-readable class of the problem ({@code parse}, {@code validation}, {@code format},
 * {@code unknown-schema}, {@code incompatible-schema}).
 */
public class DecodeException extends Exception {
    private final String code;

    public DecodeException(String code, String message) {
        super(message);
        this.code = code;
    }

    public DecodeException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
