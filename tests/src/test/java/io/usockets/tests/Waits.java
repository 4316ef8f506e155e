package io.usockets.tests;

import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bounded waits of the test thread for a condition or a thread: each fails the test after {@link TestLoop#WAIT}. They
 * wait for events, never for an amount of time (see also {@link TestLoop#roundTrip()} and {@link TestLoop#settle}).
 */
public final class Waits {

    private Waits() {
    }

    /** Polls {@code condition} until it holds, failing after {@link TestLoop#WAIT}. */
    public static void waitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + TestLoop.WAIT + " waiting for " + what);
            }
            pause();
        }
    }

    /** Waits until {@code value} reaches at least {@code target}, failing after {@link TestLoop#WAIT}. */
    public static void awaitAtLeast(IntSupplier value, int target, String what) {
        long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
        int now = value.getAsInt();
        while (now < target) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + TestLoop.WAIT + " waiting for " + what + " to reach "
                        + target + "; it is " + now);
            }
            pause();
            now = value.getAsInt();
        }
    }

    /** Waits for a thread to end, failing after {@link TestLoop#WAIT}. */
    public static void join(Thread thread) {
        try {
            thread.join(TestLoop.WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertTrue(!thread.isAlive(), "thread " + thread.getName() + " did not end within " + TestLoop.WAIT);
    }

    /** The poll interval of the waits above (2 ms): how often a condition is looked at, never what is asserted. */
    static void pause() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
