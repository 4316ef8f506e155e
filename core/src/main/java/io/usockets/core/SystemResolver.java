package io.usockets.core;

import io.usockets.Resolver;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The resolver of standalone loops: the JDK's {@link InetAddress#getAllByName} (the system's resolution:
 * {@code /etc/hosts}, search domains, the JDK's own cache) run on a small pool of daemon threads shared by every loop
 * of the JVM, {@value #THREADS} at most, which end after {@value #IDLE_SECONDS} s without work. Lookups beyond that
 * wait in the pool's queue; the loop thread never blocks.
 */
final class SystemResolver implements Resolver {

    /** The most lookups that run at once. */
    static final int THREADS = 4;
    private static final int IDLE_SECONDS = 10;

    /** What one lookup calls: the JDK, or a test's stand-in. */
    interface Lookup {
        /** Blocks until {@code host} is resolved. */
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    private static final SystemResolver SHARED = new SystemResolver(InetAddress::getAllByName, "usockets-resolver");

    private final Lookup lookup;
    private final ThreadPoolExecutor pool;

    SystemResolver(Lookup lookup, String threadName) {
        this.lookup = lookup;
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread t = new Thread(task, threadName + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /** The JVM's one system resolver. */
    static SystemResolver shared() {
        return SHARED;
    }

    @Override
    public CompletionStage<List<InetAddress>> resolve(String host) {
        CompletableFuture<List<InetAddress>> result = new CompletableFuture<>();
        pool.execute(() -> {
            try {
                result.complete(List.of(lookup.lookup(host)));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }
}
