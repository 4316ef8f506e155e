package io.usockets.tests;

import io.usockets.Resolver;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Resolver} whose answers a test scripts per name: addresses at once, addresses held until the test releases
 * them, no address, a failed lookup, or a resolver that throws. Every answer is completed on the resolver's own
 * daemon thread, never the loop's, as a real resolver's would be. It counts the lookups it receives per name; names
 * it does not know fail with {@link UnknownHostException}. Close it at the end of the test.
 */
final class ScriptedResolver implements Resolver, AutoCloseable {

    /** One name's scripted answer. */
    private record Script(List<InetAddress> addresses, CompletableFuture<Void> release, RuntimeException thrown,
                          Exception failure) {
    }

    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Thread>> asked = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> delivered = new ConcurrentHashMap<>();
    private volatile Thread answerThread;
    private final ExecutorService answering = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "scripted-resolver");
        t.setDaemon(true);
        return t;
    });

    /** {@code host} resolves to {@code addresses} (none: the name has no address). */
    ScriptedResolver answer(String host, InetAddress... addresses) {
        scripts.put(host, new Script(List.of(addresses), null, null, null));
        return this;
    }

    /** {@code host} resolves to {@code addresses} once the returned future is completed by the test. */
    CompletableFuture<Void> hold(String host, InetAddress... addresses) {
        CompletableFuture<Void> release = new CompletableFuture<>();
        scripts.put(host, new Script(List.of(addresses), release, null, null));
        return release;
    }

    /** The lookup of {@code host} completes exceptionally with {@code failure}. */
    ScriptedResolver fail(String host, Exception failure) {
        scripts.put(host, new Script(null, null, null, failure));
        return this;
    }

    /** {@link #resolve} throws {@code thrown} for {@code host}. */
    ScriptedResolver throwing(String host, RuntimeException thrown) {
        scripts.put(host, new Script(null, null, thrown, null));
        return this;
    }

    /** Lookups of {@code host} received so far. */
    int lookups(String host) {
        AtomicInteger n = lookups.get(host);
        return n == null ? 0 : n.get();
    }

    /** Completes with the thread that first asked for {@code host}. */
    CompletableFuture<Thread> asked(String host) {
        return asked.computeIfAbsent(host, h -> new CompletableFuture<>());
    }

    @Override
    public CompletionStage<List<InetAddress>> resolve(String host) {
        lookups.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
        asked(host).complete(Thread.currentThread());
        Script script = scripts.get(host);
        CompletableFuture<List<InetAddress>> result = new CompletableFuture<>();
        if (script != null && script.thrown() != null) {
            throw script.thrown();
        }
        Runnable answer = () -> {
            answerThread = Thread.currentThread();
            if (script == null) {
                result.completeExceptionally(new UnknownHostException(host + " is not scripted"));
            } else if (script.failure() != null) {
                result.completeExceptionally(script.failure());
            } else {
                result.complete(script.addresses());
            }
            // Whoever waited on the result has been handed the answer by now (it ran on this thread).
            deliveredFuture(host).complete(null);
        };
        if (script != null && script.release() != null) {
            script.release().thenRunAsync(answer, answering);
        } else {
            answering.execute(answer);
        }
        return result;
    }

    private CompletableFuture<Void> deliveredFuture(String host) {
        return delivered.computeIfAbsent(host, h -> new CompletableFuture<>());
    }

    /** Waits until the answer for {@code host} has been handed to the loop (or dropped by it). */
    void answered(String host) {
        TestLoop.await(deliveredFuture(host));
    }

    /** The thread the last answer was completed on. */
    Thread answerThread() {
        return answerThread;
    }

    @Override
    public void close() {
        answering.shutdownNow();
    }

    /** The address {@code literal} spells (no lookup: an IP literal). */
    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
