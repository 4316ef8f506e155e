package io.usockets.core;

import io.usockets.Resolver;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;

/**
 * One loop's cache of resolved names, above its {@link Resolver}: a name's addresses are kept for the loop's
 * {@code resolveCacheTtl} (on the loop's clock), and connects that ask for a name while its lookup is in flight wait
 * for that one lookup instead of starting another. Failures are not kept. Answers come back from the resolver's
 * thread through {@code Loop.defer}; one that arrives after the loop was freed is dropped.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class NameCache {

    /** Past this many names, expired ones are dropped when a new one is added. */
    private static final int TRIM_AT = 1024;

    /** Who waits for a name. */
    interface Waiter {
        /** The lookup of {@code host} ended: its addresses (never empty), or the failure. */
        void answered(String host, List<InetAddress> addresses, Throwable failure);
    }

    /** A name: its addresses until {@link #expires}, or the waiters of its lookup in flight. */
    private static final class Entry {
        List<InetAddress> addresses;
        long expires;
        ArrayList<Waiter> waiters;
    }

    private final CoreLoop loop;
    private final Resolver resolver;
    private final long ttlNanos;
    private final HashMap<String, Entry> entries = new HashMap<>();

    NameCache(CoreLoop loop, Resolver resolver, long ttlNanos) {
        this.loop = loop;
        this.resolver = resolver;
        this.ttlNanos = ttlNanos;
    }

    /**
     * The addresses of {@code host} if they are known, else null after adding {@code waiter} to its lookup (started
     * now unless one is in flight); the waiter is never called before this returns.
     */
    List<InetAddress> lookup(String host, Waiter waiter) {
        String key = host.toLowerCase(Locale.ROOT);
        Entry e = entries.get(key);
        if (e != null && e.addresses != null) {
            if (e.expires - loop.nanoTime() > 0) {
                return e.addresses;
            }
            entries.remove(key);
            e = null;
        }
        if (e == null) {
            if (entries.size() >= TRIM_AT) {
                trim();
            }
            e = new Entry();
            e.waiters = new ArrayList<>(2);
            entries.put(key, e);
            e.waiters.add(waiter);
            start(host, key, e);
        } else {
            e.waiters.add(waiter);
        }
        return null;
    }

    /** Stops {@code waiter} waiting for {@code host}; the lookup goes on for the others (and the cache). */
    void cancel(String host, Waiter waiter) {
        Entry e = entries.get(host.toLowerCase(Locale.ROOT));
        if (e != null && e.waiters != null) {
            e.waiters.remove(waiter);
        }
    }

    private void start(String host, String key, Entry e) {
        CompletionStage<List<InetAddress>> stage;
        try {
            stage = resolver.resolve(host);
            if (stage == null) {
                throw new IllegalStateException("the resolver returned no CompletionStage for " + host);
            }
        } catch (Throwable t) {
            handBack(host, key, e, null, t);
            return;
        }
        stage.whenComplete((addresses, failure) -> handBack(host, key, e, addresses, failure));
    }

    /** On any thread: hands the answer to the loop thread; after the loop was freed it is dropped. */
    private void handBack(String host, String key, Entry e, List<InetAddress> addresses, Throwable failure) {
        if (loop.isFreed()) {
            return;
        }
        try {
            loop.defer(() -> answer(host, key, e, addresses, failure));
        } catch (IllegalStateException freedMeanwhile) {
            // The loop was freed between the check and the defer: nobody waits any more.
        }
    }

    private void answer(String host, String key, Entry e, List<InetAddress> addresses, Throwable failure) {
        if (entries.get(key) == e) {
            entries.remove(key);
        }
        List<InetAddress> found = null;
        if (failure == null) {
            if (addresses == null || addresses.isEmpty()) {
                failure = new UnknownHostException(host + ": the resolver found no address");
            } else {
                found = List.copyOf(addresses);
                if (ttlNanos > 0) {
                    Entry cached = new Entry();
                    cached.addresses = found;
                    cached.expires = loop.nanoTime() + ttlNanos;
                    entries.put(key, cached);
                }
            }
        }
        ArrayList<Waiter> waiters = e.waiters;
        e.waiters = null;
        for (Waiter w : waiters) {
            w.answered(host, found, failure);
        }
    }

    private void trim() {
        long now = loop.nanoTime();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.addresses != null && e.expires - now <= 0) {
                it.remove();
            }
        }
    }
}
