package io.usockets.tests;

import io.usockets.ListenOptions;
import io.usockets.Loop;
import io.usockets.LoopGroup;
import io.usockets.LoopOptions;
import io.usockets.SocketContext;
import io.usockets.ssl.Tls;
import io.usockets.tests.tls.TlsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One loop per thread ({@link LoopGroup}): loops sharing a port all accept, each loop's callbacks run on its own
 * thread only, the accept-on-one-loop-and-adopt-on-the-others route, and the group's errors (docs/ARCHITECTURE.md,
 * "Scaling"). The cases are the standalone backends: an embedded Vert.x loop belongs to a verticle instance instead.
 */
class LoopGroupTest {

    /** Loops per group: more than the machine's two cores, so the kernel has a real choice to make. */
    private static final int LOOPS = 3;
    /** Connections tried at most until every loop has accepted one. */
    private static final int MAX_CONNECTIONS = 400;

    /** Method source: every standalone backend (no Vert.x hint) in both modes. */
    static Stream<Arguments> standaloneBackendsAndModes() {
        return Mode.backendsAndModes().filter(a -> !EmbeddedVertx.isEmbedded((String) a.get()[0]));
    }

    /** Method source: every standalone backend. */
    static Stream<String> standaloneBackends() {
        return Backends.names().stream().filter(b -> !EmbeddedVertx.isEmbedded(b));
    }

    /** What one loop's callbacks saw: the threads they ran on, calls off the loop's thread, and accepts. */
    private static final class Seen {
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        final AtomicInteger offLoopThread = new AtomicInteger();
        final AtomicInteger opened = new AtomicInteger();
        volatile Thread setupThread;

        void callback(Loop loop) {
            threads.add(Thread.currentThread());
            if (!loop.inLoopThread()) {
                offLoopThread.incrementAndGet();
            }
        }
    }

    private static Seen[] seen() {
        Seen[] seen = new Seen[LOOPS];
        for (int i = 0; i < LOOPS; i++) {
            seen[i] = new Seen();
        }
        return seen;
    }

    /** An echo context of {@code mode} on {@code loop} whose every callback reports to {@code seen}. */
    private static SocketContext<Void, Void> echo(Loop loop, Mode mode, Seen seen) {
        SocketContext<Void, Void> context = mode.context(loop);
        context.onOpen((socket, isClient) -> {
            seen.callback(loop);
            seen.opened.incrementAndGet();
        }).onData((socket, data) -> {
            seen.callback(loop);
            socket.write(data);
        }).onEnd(socket -> {
            seen.callback(loop);
            socket.close();
        }).onClose((socket, code, reason) -> seen.callback(loop));
        return context;
    }

    private static LoopOptions options(String backend, List<Throwable> errors) {
        return LoopOptions.builder().backend(backend).callbackErrorHandler((loop, source, error) -> {
            errors.add(error);
            if (source instanceof io.usockets.Socket<?> s) {
                s.close(io.usockets.CloseCode.CALLBACK_FAILED, error);
            }
        }).build();
    }

    @ParameterizedTest
    @MethodSource("standaloneBackendsAndModes")
    void everyLoopAcceptsOnTheSharedPortAndRunsItsCallbacksOnlyOnItsOwnThread(String backend, Mode mode)
            throws Exception {
        int descriptors = TestLoop.descriptorBaseline();
        long ssl = mode == Mode.TLS ? Tls.liveSslObjects() : 0;
        long sslContexts = mode == Mode.TLS ? Tls.liveSslContexts() : 0;
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Seen[] seen = seen();
        Object[] nativeContexts = new Object[LOOPS];
        int[] port = {0};
        int connections = 0;
        try (LoopGroup group = LoopGroup.start(LOOPS, options(backend, errors), (loop, index) -> {
            seen[index].setupThread = Thread.currentThread();
            SocketContext<Void, Void> context = echo(loop, mode, seen[index]);
            nativeContexts[index] = context.nativeHandle();
            // Loop 0 takes a free port; the others listen on it too (ListenOptions.DEFAULT: SO_REUSEPORT).
            port[0] = context.listen("127.0.0.1", port[0]).port();
        })) {
            assertEquals(LOOPS, group.size());
            // The kernel picks a loop per connection at random: connect until each has accepted one.
            long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
            while (!everyLoopOpened(seen) && connections < MAX_CONNECTIONS && System.nanoTime() - deadline < 0) {
                try (Socket client = JavaNetPeers.client(mode, port[0])) {
                    // The echo comes after onOpen counted the connection.
                    assertEquals("ping " + connections, JavaNetPeers.roundTrip(client, "ping " + connections));
                }
                connections++;
            }
            assertTrue(everyLoopOpened(seen), backend + ": after " + connections + " connections not every loop "
                    + "had accepted one; accepts per loop: " + opened(seen));
        }
        Set<Thread> loopThreads = new HashSet<>();
        for (int i = 0; i < LOOPS; i++) {
            Seen s = seen[i];
            assertEquals(0, s.offLoopThread.get(), backend + ": callbacks of loop " + i + " off its loop thread");
            assertEquals(1, s.threads.size(), backend + ": loop " + i + "'s callbacks ran on " + s.threads);
            Thread thread = s.threads.iterator().next();
            if (!backend.startsWith("vertx")) {
                // A standalone Vert.x loop runs on its own Vert.x event-loop thread; the others on the group's.
                assertSame(s.setupThread, thread, backend + ": loop " + i + " ran its callbacks on another thread");
            }
            assertFalse(s.setupThread.isAlive(), backend + ": loop " + i + "'s thread still runs after close()");
            loopThreads.add(thread);
        }
        assertEquals(LOOPS, loopThreads.size(), backend + ": loops shared a thread: " + loopThreads);
        if (mode == Mode.TLS) {
            for (int i = 1; i < LOOPS; i++) {
                assertNotEquals(nativeContexts[0], nativeContexts[i],
                        backend + ": loops 0 and " + i + " share a native TLS context");
            }
        }
        assertTrue(errors.isEmpty(), backend + ": a callback threw: " + errors);
        TestLoop.assertNoDescriptorLeak(descriptors);
        if (mode == Mode.TLS) {
            TlsSupport.assertNoLiveSsl(ssl);
            TlsSupport.assertNoLiveSslContexts(sslContexts);
        }
    }

    @ParameterizedTest
    @MethodSource("standaloneBackendsAndModes")
    void acceptOnOneLoopAndAdoptOnEveryLoopInTurn(String backend, Mode mode) throws Exception {
        int descriptors = TestLoop.descriptorBaseline();
        long ssl = mode == Mode.TLS ? Tls.liveSslObjects() : 0;
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Seen[] seen = seen();
        AtomicReferenceArray<Loop> loops = new AtomicReferenceArray<>(LOOPS);
        AtomicReferenceArray<SocketContext<Void, Void>> serving = new AtomicReferenceArray<>(LOOPS);
        int[] port = {0};
        try (LoopGroup group = LoopGroup.start(LOOPS, options(backend, errors), (loop, index) -> {
            seen[index].setupThread = Thread.currentThread();
            loops.set(index, loop);
            serving.set(index, echo(loop, mode, seen[index]));
            if (index == 0) {
                // The acceptor: a plain context on an exclusive port (no SO_REUSEPORT, as where it does not
                // balance), whose onPreOpen keeps each handle and hands it to the next loop in turn.
                SocketContext<Void, Void> acceptor = loop.createSocketContext();
                int[] next = {0};
                acceptor.onPreOpen((context, handle) -> {
                    int target = next[0]++ % LOOPS;
                    Loop to = loops.get(target);
                    SocketContext<Void, Void> into = serving.get(target);
                    to.defer(() -> into.adoptAccepted(handle, null));
                    return null;
                });
                acceptor.onOpen((socket, isClient) -> errors.add(new AssertionError("the acceptor opened a socket")));
                port[0] = acceptor.listen("127.0.0.1", 0, ListenOptions.EXCLUSIVE_PORT).port();
            }
        })) {
            assertEquals(LOOPS, group.loops().size());
            for (int i = 0; i < 2 * LOOPS; i++) {
                try (Socket client = JavaNetPeers.client(mode, port[0])) {
                    assertEquals("adopted " + i, JavaNetPeers.roundTrip(client, "adopted " + i));
                }
            }
            // Handed out in turn: connection i went to loop i % LOOPS, and each said so with onOpen before echoing.
            for (int i = 0; i < LOOPS; i++) {
                assertEquals(2, seen[i].opened.get(), backend + ": connections adopted by loop " + i
                        + "; per loop: " + opened(seen));
            }
        }
        for (int i = 0; i < LOOPS; i++) {
            assertEquals(0, seen[i].offLoopThread.get(), backend + ": callbacks of loop " + i + " off its thread");
            assertEquals(1, seen[i].threads.size(), backend + ": loop " + i + "'s callbacks ran on "
                    + seen[i].threads);
        }
        assertTrue(errors.isEmpty(), backend + ": " + errors);
        TestLoop.assertNoDescriptorLeak(descriptors);
        if (mode == Mode.TLS) {
            TlsSupport.assertNoLiveSsl(ssl);
        }
    }

    @ParameterizedTest
    @MethodSource("standaloneBackends")
    void aSetupThatThrowsFreesTheLoopsStartedAndReachesTheCaller(String backend) {
        int descriptors = TestLoop.descriptorBaseline();
        LoopOptions options = LoopOptions.builder().backend(backend).build();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        // A checked exception from loop 2's setup: wrapped, naming the loop; loops 0 and 1 (listening) are freed.
        IllegalStateException wrapped = assertThrows(IllegalStateException.class,
                () -> LoopGroup.start(LOOPS, options, (loop, index) -> {
                    threads.add(Thread.currentThread());
                    if (index == 2) {
                        throw new IOException("no certificate for loop " + index);
                    }
                    loop.createSocketContext().listen("127.0.0.1", 0);
                }));
        assertEquals("the setup of loop 2 failed: java.io.IOException: no certificate for loop 2",
                wrapped.getMessage(), backend);
        assertEquals(IOException.class, wrapped.getCause().getClass(), backend);
        // An unchecked one reaches the caller as it is.
        IllegalArgumentException thrown = new IllegalArgumentException("bad port for loop 0");
        assertSame(thrown, assertThrows(IllegalArgumentException.class,
                () -> LoopGroup.start(LOOPS, options, (loop, index) -> {
                    threads.add(Thread.currentThread());
                    throw thrown;
                })), backend);
        assertEquals(4, threads.size(), backend + ": setups that ran");
        for (Thread t : threads) {
            assertFalse(t.isAlive(), backend + ": thread " + t.getName() + " still runs after the failed start");
        }
        TestLoop.assertNoDescriptorLeak(descriptors);
    }

    @Test
    void badArgumentsAndACloseOnALoopThreadAreRefusedNamingTheValue() {
        LoopGroup.Setup nothing = (loop, index) -> { };
        for (int bad : new int[] {0, -1, LoopGroup.MAX_LOOPS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LoopGroup.start(bad, LoopOptions.defaults(), nothing));
            assertEquals("loops " + bad + " is out of range; expected 1 to " + LoopGroup.MAX_LOOPS, e.getMessage());
        }
        IllegalArgumentException hint = assertThrows(IllegalArgumentException.class,
                () -> LoopGroup.start(1, LoopOptions.builder().hint("a context").build(), nothing));
        assertTrue(hint.getMessage().contains("the hint a context"), hint.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoopGroup.start(1, LoopOptions.defaults(), null));

        AtomicReference<Throwable> onLoopThread = new AtomicReference<>();
        java.util.concurrent.CompletableFuture<Void> tried = new java.util.concurrent.CompletableFuture<>();
        LoopGroup group = LoopGroup.start(2, LoopOptions.defaults(), nothing);
        try {
            assertThrows(IllegalArgumentException.class, () -> group.loop(2));
            group.loop(1).defer(() -> {
                try {
                    group.close();
                } catch (Throwable t) {
                    onLoopThread.set(t);
                }
                tried.complete(null);
            });
            TestLoop.await(tried);
        } finally {
            group.close();
        }
        group.close();
        assertTrue(onLoopThread.get() instanceof IllegalStateException, "close() on a loop thread: " + onLoopThread);
        assertTrue(onLoopThread.get().getMessage().startsWith("close() was called on the thread of loop 1"),
                onLoopThread.get().getMessage());
        for (Loop l : group.loops()) {
            assertTrue(l.isFreed(), "loop not freed by close()");
        }
    }

    private static boolean everyLoopOpened(Seen[] seen) {
        for (Seen s : seen) {
            if (s.opened.get() == 0) {
                return false;
            }
        }
        return true;
    }

    private static List<Integer> opened(Seen[] seen) {
        List<Integer> counts = new ArrayList<>();
        for (Seen s : seen) {
            counts.add(s.opened.get());
        }
        return counts;
    }
}
