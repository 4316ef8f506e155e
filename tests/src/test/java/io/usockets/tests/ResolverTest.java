package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.Timer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.usockets.tests.ScriptedResolver.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connects to host names: resolved off the loop thread through the loop's resolver (a scripted one here), with the
 * loop serving everything else meanwhile, one lookup shared by concurrent connects, and every way a lookup can fail.
 */
class ResolverTest {

    /** What a connect-error callback saw. */
    private record ConnectError(CloseCode code, Object reason) {
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aSlowAnswerLeavesTheLoopServingEchoesAndTimersUntilItArrives(String backend, Mode mode) throws Exception {
        try (ScriptedResolver resolver = new ScriptedResolver();
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver));
             ServerSocket target = JavaNetPeers.server()) {
            // The "2 s" answer: held until the loop has served 100 round trips and 10 timer firings.
            CompletableFuture<Void> release = resolver.hold("slow.test", ip("127.0.0.1"));
            AtomicBoolean released = new AtomicBoolean();
            CompletableFuture<Boolean> openedAfterRelease = new CompletableFuture<>();
            CompletableFuture<Thread> openThread = new CompletableFuture<>();
            AtomicInteger firings = new AtomicInteger();
            int echoPort = tl.call(() -> {
                SocketContext<Void, Void> client = mode.context(tl.loop());
                client.onOpen((s, isClient) -> {
                    openThread.complete(Thread.currentThread());
                    openedAfterRelease.complete(released.get());
                });
                client.onConnectError((s, code, reason) -> openedAfterRelease.completeExceptionally(
                        new AssertionError("connect failed: " + code + " " + reason)));
                client.connect("slow.test", target.getLocalPort());
                Timer<Void> timer = tl.loop().createTimer(true);
                timer.set(t -> firings.incrementAndGet(), 10, 10);
                SocketContext<Void, Void> echo = mode.context(tl.loop());
                echo.onData((s, data) -> s.write(data));
                return echo.listen("127.0.0.1", 0).port();
            });
            TestLoop.await(resolver.asked("slow.test"));
            try (java.net.Socket peer = mode.connect(new InetSocketAddress("127.0.0.1", echoPort), 0,
                    JavaNetPeers.SO_TIMEOUT_MS)) {
                for (int i = 0; i < 100; i++) {
                    assertEquals("ping " + i, JavaNetPeers.roundTrip(peer, "ping " + i), "echo round trip " + i);
                }
            }
            Waits.awaitAtLeast(firings::get, 10, "timer firings while the name resolves");
            assertFalse(openedAfterRelease.isDone(), "the connect ended before its name was resolved");
            released.set(true);
            release.complete(null);
            try (java.net.Socket accepted = JavaNetPeers.accept(mode, target)) {
                assertTrue(TestLoop.await(openedAfterRelease), "onOpen ran before the answer was released");
                assertSame(tl.thread(), TestLoop.await(openThread), "the thread onOpen ran on");
                assertNotEquals(tl.thread(), resolver.answerThread(), "the resolver answered on the loop thread");
            }
            assertEquals(1, resolver.lookups("slow.test"), "lookups of slow.test");
        }
    }

    /** Connects to {@code host} and returns what onConnectError saw, failing on onOpen. */
    private static ConnectError connectExpectingError(TestLoop tl, Mode mode, String host, String sourceHost)
            throws Exception {
        CompletableFuture<ConnectError> error = new CompletableFuture<>();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger opens = new AtomicInteger();
        tl.run(() -> {
            SocketContext<Void, Void> ctx = mode.context(tl.loop());
            ctx.onOpen((s, client) -> opens.incrementAndGet());
            ctx.onConnectError((s, code, reason) -> {
                errors.incrementAndGet();
                error.complete(new ConnectError(code, reason));
            });
            Socket<Void> s = ctx.connect(host, 9, sourceHost);
            assertFalse(s.isClosed(), "the socket of a connect to a name is closed before the lookup ended");
        });
        ConnectError seen = TestLoop.await(error);
        tl.settle(5);
        assertEquals(1, errors.get(), "onConnectError calls");
        assertEquals(0, opens.get(), "onOpen calls");
        return seen;
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aNameWithNoAddressReportsNameNotResolved(String backend, Mode mode) throws Exception {
        try (ScriptedResolver resolver = new ScriptedResolver().answer("empty.test");
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver))) {
            ConnectError seen = connectExpectingError(tl, mode, "empty.test", null);
            assertEquals(CloseCode.NAME_NOT_RESOLVED, seen.code(), "code, reason " + seen.reason());
            assertInstanceOf(UnknownHostException.class, seen.reason(), "reason");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aLookupThatFailsOrThrowsReportsNameNotResolvedWithItsException(String backend, Mode mode) throws Exception {
        IllegalStateException failure = new IllegalStateException("scripted lookup failure");
        IllegalArgumentException thrown = new IllegalArgumentException("scripted resolver bug");
        try (ScriptedResolver resolver = new ScriptedResolver().fail("failing.test", failure)
                .throwing("throwing.test", thrown);
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver))) {
            ConnectError failed = connectExpectingError(tl, mode, "failing.test", null);
            assertEquals(CloseCode.NAME_NOT_RESOLVED, failed.code(), "code of a failed lookup");
            assertSame(failure, failed.reason(), "reason of a failed lookup");
            ConnectError threw = connectExpectingError(tl, mode, "throwing.test", null);
            assertEquals(CloseCode.NAME_NOT_RESOLVED, threw.code(), "code of a throwing resolver");
            assertSame(thrown, threw.reason(), "reason of a throwing resolver");
            ConnectError source = connectExpectingError(tl, mode, "127.0.0.1", "failing.test");
            assertEquals(CloseCode.NAME_NOT_RESOLVED, source.code(), "code of a source host that does not resolve");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aSourceHostNameIsResolvedTheSameWay(String backend, Mode mode) throws Exception {
        try (ScriptedResolver resolver = new ScriptedResolver().answer("target.test", ip("127.0.0.1"))
                .answer("source.test", ip("127.0.0.1")).answer("Both.test", ip("127.0.0.1"));
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver));
             ServerSocket server = JavaNetPeers.server()) {
            // A host and a source of their own, then one name (spelt in two cases) for both: one lookup, one open.
            String[][] connects = {{"target.test", "source.test"}, {"Both.test", "both.test"}};
            for (String[] names : connects) {
                CompletableFuture<Integer> localPort = new CompletableFuture<>();
                AtomicInteger opens = new AtomicInteger();
                tl.run(() -> {
                    SocketContext<Void, Void> ctx = mode.context(tl.loop());
                    ctx.onOpen((s, client) -> {
                        opens.incrementAndGet();
                        localPort.complete(s.localPort());
                    });
                    ctx.onConnectError((s, code, reason) -> localPort.completeExceptionally(
                            new AssertionError("connect failed: " + code + " " + reason)));
                    ctx.connect(names[0], server.getLocalPort(), names[1]);
                });
                try (java.net.Socket peer = JavaNetPeers.accept(mode, server)) {
                    assertEquals(peer.getPort(), (int) TestLoop.await(localPort), "the connected socket's local port");
                }
                tl.settle(5);
                assertEquals(1, opens.get(), "onOpen calls of the connect to " + names[0] + " from " + names[1]);
            }
            assertEquals(1, resolver.lookups("source.test"), "lookups of the source name");
            assertEquals(1, resolver.lookups("Both.test"), "lookups of a name that is host and source");
            assertEquals(0, resolver.lookups("both.test"), "lookups of the same name in lower case");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closeConnectingWhileResolvingCancelsWithNoCallbackAndDropsTheAnswer(String backend, Mode mode)
            throws Exception {
        try (ScriptedResolver resolver = new ScriptedResolver();
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver));
             ServerSocket server = JavaNetPeers.server()) {
            CompletableFuture<Void> release = resolver.hold("held.test", ip("127.0.0.1"));
            AtomicInteger callbacks = new AtomicInteger();
            Socket<Void> socket = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> callbacks.incrementAndGet());
                ctx.onClose((s, code, reason) -> callbacks.incrementAndGet());
                ctx.onConnectError((s, code, reason) -> callbacks.incrementAndGet());
                ctx.onTimeout(s -> callbacks.incrementAndGet());
                return ctx.connect("held.test", server.getLocalPort());
            });
            TestLoop.await(resolver.asked("held.test"));
            assertTrue(tl.call(() -> {
                socket.closeConnecting();
                return socket.isClosed();
            }), "closeConnecting() left the resolving socket open");
            release.complete(null);
            // The late answer goes on into the loop's cache: a second connect gets it without a lookup and opens.
            CompletableFuture<Void> opened = new CompletableFuture<>();
            tl.run(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> opened.complete(null));
                ctx.connect("held.test", server.getLocalPort());
            });
            try (java.net.Socket peer = JavaNetPeers.accept(mode, server)) {
                TestLoop.await(opened);
            }
            tl.settle(5);
            assertEquals(0, callbacks.get(), "callbacks of the cancelled socket");
            assertEquals(1, resolver.lookups("held.test"), "lookups of held.test");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aThousandConcurrentConnectsToOneNameMakeOneLookup(String backend) throws Exception {
        int port = JavaNetPeers.closedPort();
        int connects = 1000;
        try (ScriptedResolver resolver = new ScriptedResolver();
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver))) {
            CompletableFuture<Void> release = resolver.hold("many.test", ip("127.0.0.1"));
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger other = new AtomicInteger();
            tl.run(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ctx.onConnectError((s, code, reason) -> (code == CloseCode.REFUSED ? refused : other)
                        .incrementAndGet());
                for (int i = 0; i < connects; i++) {
                    ctx.connect("many.test", port);
                }
            });
            TestLoop.await(resolver.asked("many.test"));
            release.complete(null);
            Waits.awaitAtLeast(() -> refused.get() + other.get(), connects, "connect errors");
            assertEquals(connects, refused.get(), "connects refused (others: " + other.get() + ")");
            assertEquals(1, resolver.lookups("many.test"), "lookups for " + connects + " concurrent connects");
            // Within the cache's TTL a later connect needs no lookup either.
            CompletableFuture<CloseCode> later = new CompletableFuture<>();
            tl.run(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ctx.onConnectError((s, code, reason) -> later.complete(code));
                ctx.connect("many.test", port);
            });
            assertEquals(CloseCode.REFUSED, TestLoop.await(later), "a later connect's code");
            assertEquals(1, resolver.lookups("many.test"), "lookups after a cached answer");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void freeingTheLoopWithALookupInFlightReportsLoopFreedOnceAndDropsTheLateAnswer(String backend)
            throws Exception {
        try (ScriptedResolver resolver = new ScriptedResolver()) {
            CompletableFuture<Void> release = resolver.hold("late.test", ip("127.0.0.1"));
            AtomicInteger freed = new AtomicInteger();
            AtomicInteger other = new AtomicInteger();
            try (TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver))) {
                tl.run(() -> {
                    SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                    ctx.onOpen((s, client) -> other.incrementAndGet());
                    ctx.onConnectError((s, code, reason) -> (code == CloseCode.LOOP_FREED ? freed : other)
                            .incrementAndGet());
                    ctx.connect("late.test", 9);
                });
                TestLoop.await(resolver.asked("late.test"));
            }
            assertEquals(1, freed.get(), "onConnectError(LOOP_FREED) calls");
            // The late answer reaches a freed loop: dropped, nothing thrown, nothing opened.
            release.complete(null);
            resolver.answered("late.test");
            assertEquals(0, other.get(), "other callbacks");
        }
    }
}
