package io.usockets.tests.tls;

import io.usockets.tests.TestLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.fail;

/** A thread-safe log of callback events for the TLS tests, with bounded waits. */
final class Events {

    private final List<String> events = new CopyOnWriteArrayList<>();

    void add(String event) {
        events.add(event);
    }

    /** Events starting with {@code prefix}. */
    int count(String prefix) {
        int n = 0;
        for (String e : events) {
            if (e.startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    /** The first event starting with {@code prefix}, or null. */
    String first(String prefix) {
        for (String e : events) {
            if (e.startsWith(prefix)) {
                return e;
            }
        }
        return null;
    }

    /** Waits until {@code n} events start with {@code prefix}; fails after {@link TestLoop#WAIT}. */
    void await(String prefix, int n) {
        long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
        while (count(prefix) < n) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + n + " event(s) '" + prefix + "' in " + events);
            }
            TlsSupport.sleep(2);
        }
    }

    List<String> snapshot() {
        return new ArrayList<>(events);
    }

    @Override
    public String toString() {
        return events.toString();
    }
}
