package dev.perfstream.schemas.testkit;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition with a deadline instead of sleeping a fixed time. */
public final class Poll {
    private Poll() {
    }

    /**
     * Calls {@code check} until it returns non-null or the deadline passes. A check that throws is retried (a
     * service still starting); the last failure is named in the error and attached as its cause.
     *
     * @throws AssertionError with {@code what} when the deadline passes
     */
    public static <T> T until(Duration timeout, String what, Supplier<T> check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                T v = check.get();
                if (v != null) {
                    return v;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what
            + (last == null ? "" : " (the last check failed: " + last + ")"), last);
    }
}
