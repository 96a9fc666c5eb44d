package dev.perfstream.testkit;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline instead of sleeping a fixed time.
 *
 * <p>A check that throws fails the wait at once with its exception: a bug in the check or in the code under test
 * must not hide behind a timeout. Where a failure is expected while a service starts or recovers (a refused
 * connection), the caller names that exception type ({@link #until(Duration, String, Class, Supplier)}): only it
 * is retried, and the last one is attached to the timeout's error.
 */
public final class Poll {
    private Poll() {
    }

    /**
     * Calls {@code check} until it returns non-null or the deadline passes; an exception of the check ends the wait
     * at once.
     *
     * @throws AssertionError with {@code what} when the deadline passes
     */
    public static <T> T until(Duration timeout, String what, Supplier<T> check) {
        return until(timeout, what, null, check);
    }

    /**
     * As {@link #until(Duration, String, Supplier)}, but an exception of type {@code retryable} (a service still
     * starting) is retried; the last one is named in the timeout's error and attached as its cause. Any other
     * exception ends the wait at once.
     */
    public static <T> T until(Duration timeout, String what, Class<? extends RuntimeException> retryable,
                              Supplier<T> check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                T v = check.get();
                if (v != null) {
                    return v;
                }
            } catch (RuntimeException e) {
                if (retryable == null || !retryable.isInstance(e)) {
                    throw e;
                }
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
