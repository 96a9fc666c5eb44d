package dev.perfstream.deploy.services;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a freshly started service with a deadline, failing early if its process dies. */
final class Readiness {
    private Readiness() {
    }

    static void await(Duration timeout, String what, ProcessHandle h, ManagedProcess p, BooleanSupplier ready)
            throws ServiceException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (ready.getAsBoolean()) {
                return;
            }
            if (!h.isAlive()) {
                p.stop(Duration.ZERO);
                throw new ServiceException(what + ": the process exited during startup. Last lines of "
                    + p.logFile() + ":\n    " + p.logTail(15));
            }
            if (System.nanoTime() > deadline) {
                p.stop(Duration.ofSeconds(10));
                throw new ServiceException(what + " was not ready after " + timeout.toSeconds() + " s (setting "
                    + ServicesConfig.KEY_START_TIMEOUT + "); it was stopped. Last lines of " + p.logFile() + ":\n    "
                    + p.logTail(15));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.stop(Duration.ofSeconds(10));
                throw new ServiceException(what + ": interrupted while waiting for it; it was stopped");
            }
        }
    }

    /** True if {@code GET url} answers {@code status} within 2 s; false on any error (the service is not there yet). */
    static boolean answers(HttpClient http, String url, int status) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == status;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
