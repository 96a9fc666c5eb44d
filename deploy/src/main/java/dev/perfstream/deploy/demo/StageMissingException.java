package dev.perfstream.deploy.demo;

/** A stage's application class is not on the classpath (its module does not provide it yet). */
public final class StageMissingException extends Exception {
    private static final long serialVersionUID = 1L;

    public StageMissingException(String message) {
        super(message);
    }
}
