package dev.perfstream.deploy.services;

/**
 * A local service could not be started or stopped. The message is written for the person at the
 * terminal: what failed, and what to change or where to look (a setting, a log file).
 */
public class ServiceException extends Exception {
    private static final long serialVersionUID = 1L;

    public ServiceException(String message) {
        super(message);
    }

    public ServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
