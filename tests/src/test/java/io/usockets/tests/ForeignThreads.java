package io.usockets.tests;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calls made from a named thread that is not the loop's, and the check of the misuse error they must get. */
final class ForeignThreads {

    private ForeignThreads() {
    }

    /** Runs {@code action} on a new thread named {@code name} and returns what it threw, or null. */
    static Throwable thrownOnThread(String name, Runnable action) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                action.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        Waits.join(t);
        return thrown.get();
    }

    /** Asserts {@code thrown} is an IllegalStateException whose message names both threads. */
    static void assertMisuse(Throwable thrown, String callerName, Thread loopThread) {
        assertNotNull(thrown, "a call from foreign thread '" + callerName + "' did not throw");
        if (!(thrown instanceof IllegalStateException)) {
            throw new AssertionError("expected IllegalStateException, got " + thrown, thrown);
        }
        String message = String.valueOf(thrown.getMessage());
        assertTrue(message.contains(callerName), "message does not name the calling thread '" + callerName + "': "
                + message);
        assertTrue(message.contains(loopThread.getName()), "message does not name the loop thread '"
                + loopThread.getName() + "': " + message);
    }
}
