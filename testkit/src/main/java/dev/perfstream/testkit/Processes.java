package dev.perfstream.testkit;

import java.util.concurrent.TimeUnit;

/** Stopping the services the tests run as child processes. */
public final class Processes {
    private Processes() {
    }

    /** SIGTERM, then SIGKILL if it has not exited after 10 s; a null process is left alone. */
    public static void stop(Process process) {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
