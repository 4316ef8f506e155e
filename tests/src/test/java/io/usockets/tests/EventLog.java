package io.usockets.tests;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The suite's one event log: a thread-safe, ordered list of callback events such as {@code "close:A:NORMAL"}, written
 * by callbacks on the loop thread and read by the test thread, with bounded waits.
 *
 * <p>A count taken right after {@link #await} has seen the first event cannot see a late duplicate: take "exactly
 * once" counts at a quiescent point, after {@link TestLoop#roundTrip()} or a later event the loop processes after any
 * duplicate, or after the loop is freed.
 */
public final class EventLog {

    private final List<String> events = new CopyOnWriteArrayList<>();

    /** Appends {@code event}. */
    public void add(String event) {
        events.add(event);
    }

    /** Number of events starting with {@code prefix}. */
    public int count(String prefix) {
        int n = 0;
        for (String e : events) {
            if (e.startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    /** Waits until at least {@code n} events start with {@code prefix}; fails after {@link TestLoop#WAIT}. */
    public void await(String prefix, int n) {
        Waits.waitUntil(() -> count(prefix) >= n, n + " event(s) '" + prefix + "' in " + events);
    }

    /** The first event starting with {@code prefix}, or null. */
    public String first(String prefix) {
        return first(e -> e.startsWith(prefix));
    }

    /** The first event matching {@code test}, or null. */
    public String first(Predicate<String> test) {
        for (String e : events) {
            if (test.test(e)) {
                return e;
            }
        }
        return null;
    }

    /** A copy of the events so far, in order. */
    public List<String> snapshot() {
        return new ArrayList<>(events);
    }

    @Override
    public String toString() {
        return events.toString();
    }
}
