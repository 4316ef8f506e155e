package io.usockets.core;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The system resolver's threads: daemon threads of its own, never the caller's, at most {@value SystemResolver#THREADS}. */
class SystemResolverTest {

    private static final long WAIT_SECONDS = 20;

    @Test
    void lookupsRunOnAtMostFourDaemonThreadsOfItsOwnAndNeverBlockTheCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch fourRunning = new CountDownLatch(SystemResolver.THREADS);
        SystemResolver resolver = new SystemResolver(host -> {
            threads.add(Thread.currentThread());
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            fourRunning.countDown();
            try {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        }, "test-resolver");
        CompletableFuture<?>[] answers = new CompletableFuture<?>[10];
        for (int i = 0; i < answers.length; i++) {
            // Every lookup blocks until released: resolve() must return at once all the same.
            answers[i] = resolver.resolve("name" + i + ".test").toCompletableFuture();
        }
        assertTrue(fourRunning.await(WAIT_SECONDS, TimeUnit.SECONDS), "four lookups running at once");
        for (CompletableFuture<?> a : answers) {
            assertFalse(a.isDone(), "a lookup answered before it was released");
        }
        release.countDown();
        for (int i = 0; i < answers.length; i++) {
            @SuppressWarnings("unchecked")
            List<InetAddress> found = (List<InetAddress>) answers[i].get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals("name" + i + ".test", found.get(0).getHostName());
        }
        assertEquals(SystemResolver.THREADS, mostAtOnce.get(), "lookups running at once");
        assertTrue(threads.size() <= SystemResolver.THREADS, "threads used: " + threads);
        for (Thread t : threads) {
            assertTrue(t.isDaemon(), t + " is not a daemon thread");
            assertTrue(t.getName().startsWith("test-resolver-"), t.getName());
            assertNotSame(Thread.currentThread(), t);
        }
    }

    @Test
    void aFailedLookupCompletesExceptionallyWithItsException() throws Exception {
        UnknownHostException failure = new UnknownHostException("nothing.test");
        SystemResolver resolver = new SystemResolver(host -> {
            throw failure;
        }, "test-resolver");
        CompletableFuture<List<InetAddress>> answer = resolver.resolve("nothing.test").toCompletableFuture();
        try {
            answer.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assertInstanceOf(UnknownHostException.class, e.getCause());
            return;
        }
        throw new AssertionError("a failed lookup completed normally");
    }

    @Test
    void theSharedResolverFindsLocalhostThroughTheSystem() throws Exception {
        List<InetAddress> found = SystemResolver.shared().resolve("localhost").toCompletableFuture()
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertFalse(found.isEmpty(), "localhost resolved to nothing");
        for (InetAddress a : found) {
            assertTrue(a.isLoopbackAddress(), a + " is not a loopback address");
        }
    }
}
