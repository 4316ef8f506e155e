package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.Socket;
import io.usockets.SocketContext;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outgoing connections: success, refusal, unresolvable names, cancelling, binding a source address, and connect
 * timeouts (docs/RULES.md B6), also while a name is being resolved.
 */
class ConnectTest {

    /** What a connect-error callback saw. */
    private record ConnectError(CloseCode code, Object reason, boolean afterConnectReturned, long iteration,
                                boolean closedInCallback) {
    }

    /** Connects to {@code host:port} on a fresh context and waits for onConnectError, failing on onOpen/onClose. */
    private static void connectExpectingError(TestLoop tl, Mode mode, String host, int port, CloseCode expected)
            throws Exception {
        CompletableFuture<ConnectError> error = new CompletableFuture<>();
        AtomicInteger opens = new AtomicInteger();
        AtomicInteger closes = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicBoolean returned = new AtomicBoolean();
        long connectIteration = tl.call(() -> {
            SocketContext<Void, Void> ctx = mode.context(tl.loop());
            ctx.onOpen((s, client) -> opens.incrementAndGet());
            ctx.onClose((s, code, reason) -> closes.incrementAndGet());
            ctx.onConnectError((s, code, reason) -> {
                errors.incrementAndGet();
                error.complete(new ConnectError(code, reason, returned.get(), tl.loop().iterationNumber(),
                        s.isClosed()));
            });
            ctx.connect(host, port);
            long iteration = tl.loop().iterationNumber();
            returned.set(true);
            return iteration;
        });
        ConnectError seen = TestLoop.await(error);
        assertEquals(expected, seen.code(), "connect error code, reason " + seen.reason());
        assertTrue(seen.afterConnectReturned(), "onConnectError ran synchronously inside connect()");
        assertTrue(seen.iteration() > connectIteration, "onConnectError ran in the iteration of connect() ("
                + connectIteration + "), expected a later one, got " + seen.iteration());
        assertTrue(seen.closedInCallback(), "the failed socket is not closed inside onConnectError");
        tl.settle(5);
        assertEquals(1, errors.get(), "onConnectError calls");
        assertEquals(0, opens.get(), "onOpen calls after a failed connect");
        assertEquals(0, closes.get(), "onClose calls after a failed connect");
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void connectToAClosedPortReportsRefusedOnALaterIteration(String backend, Mode mode) throws Exception {
        int port = JavaNetPeers.closedPort();
        try (TestLoop tl = TestLoop.start(backend)) {
            connectExpectingError(tl, mode, "127.0.0.1", port, CloseCode.REFUSED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void connectToAnUnresolvableHostReportsNameNotResolved(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            connectExpectingError(tl, mode, "no-such-host.invalid", 80, CloseCode.NAME_NOT_RESOLVED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closeConnectingCancelsWithNoCallbackAtAll(String backend, Mode mode) throws Exception {
        int refusedPort = JavaNetPeers.closedPort();
        try (TestLoop tl = TestLoop.start(backend); ServerSocket server = JavaNetPeers.server()) {
            AtomicInteger callbacks = new AtomicInteger();
            boolean[] states = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> callbacks.incrementAndGet());
                ctx.onClose((s, code, reason) -> callbacks.incrementAndGet());
                ctx.onConnectError((s, code, reason) -> callbacks.incrementAndGet());
                ctx.onData((s, data) -> callbacks.incrementAndGet());
                ctx.onWritable(s -> callbacks.incrementAndGet());
                Socket<Void> live = ctx.connect("127.0.0.1", server.getLocalPort());
                Socket<Void> refused = ctx.connect("127.0.0.1", refusedPort);
                boolean liveWasConnecting = !live.isClosed() && !live.isEstablished();
                boolean refusedWasConnecting = !refused.isClosed() && !refused.isEstablished();
                live.closeConnecting();
                refused.closeConnecting();
                return new boolean[] {liveWasConnecting, refusedWasConnecting, live.isClosed(), refused.isClosed()};
            });
            assertTrue(states[0], "a fresh connect to a listening port is not in the connecting state");
            assertTrue(states[1], "a fresh connect to a closed port is not in the connecting state");
            assertTrue(states[2], "closeConnecting() left the socket open");
            assertTrue(states[3], "closeConnecting() left the refused socket open");
            // The kernel may have completed the handshake already: the server then sees the descriptor closed.
            server.setSoTimeout(2000);
            // Accepted plain in both modes: the cancelled connection never starts a TLS handshake.
            try (java.net.Socket accepted = JavaNetPeers.accept(server)) {
                assertTrue(JavaNetPeers.closedByPeer(accepted), "the cancelled connection is still open");
            } catch (java.net.SocketTimeoutException nothingQueued) {
                // The connect never reached the accept queue: nothing to check there.
            }
            tl.settle(10);
            assertEquals(0, callbacks.get(), "callbacks after closeConnecting()");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void successfulConnectOpensAsClientAndIsEstablished(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend); ServerSocket server = JavaNetPeers.server()) {
            CompletableFuture<Boolean> opened = new CompletableFuture<>();
            AtomicBoolean establishedInOnOpen = new AtomicBoolean();
            AtomicInteger connectErrors = new AtomicInteger();
            boolean establishedRightAfterConnect = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> {
                    establishedInOnOpen.set(s.isEstablished() && !s.isClosed());
                    s.write(Buffers.buffer("hello from us"));
                    opened.complete(client);
                });
                ctx.onConnectError((s, code, reason) -> {
                    connectErrors.incrementAndGet();
                    opened.completeExceptionally(new AssertionError("connect failed: " + code + " " + reason));
                });
                Socket<Void> s = ctx.connect("127.0.0.1", server.getLocalPort());
                return s.isEstablished();
            });
            assertFalse(establishedRightAfterConnect, "isEstablished() is true before onOpen");
            try (java.net.Socket peer = JavaNetPeers.accept(mode, server)) {
                assertTrue(TestLoop.await(opened), "onOpen's isClient for a connected socket");
                assertTrue(establishedInOnOpen.get(), "isEstablished() inside onOpen");
                byte[] got = JavaNetPeers.readExactly(peer.getInputStream(), 13);
                assertEquals("hello from us", new String(got, StandardCharsets.ISO_8859_1));
            }
            assertEquals(0, connectErrors.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void connectFromASourceAddressBindsThatAddress(String backend, Mode mode) throws Exception {
        // 127.0.0.2 proves the source really is chosen (Linux routes all of 127/8 to lo); elsewhere use 127.0.0.1.
        String source = canBind("127.0.0.2") ? "127.0.0.2" : "127.0.0.1";
        try (TestLoop tl = TestLoop.start(backend);
             ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            server.setSoTimeout(JavaNetPeers.SO_TIMEOUT_MS);
            CompletableFuture<Integer> localPort = new CompletableFuture<>();
            tl.run(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> localPort.complete(s.localPort()));
                ctx.onConnectError((s, code, reason) ->
                        localPort.completeExceptionally(new AssertionError("connect failed: " + code + " " + reason)));
                ctx.connect("127.0.0.1", server.getLocalPort(), source);
            });
            try (java.net.Socket peer = JavaNetPeers.accept(mode, server)) {
                assertArrayEquals(InetAddress.getByName(source).getAddress(), peer.getInetAddress().getAddress(),
                        "the accepted peer's address");
                assertEquals(peer.getPort(), (int) TestLoop.await(localPort), "the connected socket's local port");
            }
        }
    }

    private static boolean canBind(String address) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void connectToLocalhostByNameOpensAndReportsTheServerPort(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend); ServerSocket server = JavaNetPeers.server()) {
            CompletableFuture<Integer> remotePort = new CompletableFuture<>();
            tl.run(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> remotePort.complete(s.remotePort()));
                ctx.connect("localhost", server.getLocalPort());
            });
            try (java.net.Socket peer = JavaNetPeers.accept(mode, server)) {
                assertNotNull(peer);
                assertEquals(server.getLocalPort(), (int) TestLoop.await(remotePort));
            }
        }
    }

    /**
     * Starts a connect to {@code host:port} whose onTimeout closes it with TIMED_OUT after a one-second timeout (ten
     * test ticks), and waits for onConnectError; returns its code after checking the timeout fired while connecting.
     */
    private static CloseCode connectTimingOut(TestLoop tl, Mode mode, String host, int port) {
        CompletableFuture<CloseCode> error = new CompletableFuture<>();
        AtomicInteger timeouts = new AtomicInteger();
        AtomicInteger opens = new AtomicInteger();
        AtomicBoolean connectingInOnTimeout = new AtomicBoolean();
        tl.run(() -> {
            SocketContext<Void, Void> ctx = mode.context(tl.loop());
            ctx.onOpen((s, client) -> opens.incrementAndGet());
            ctx.onTimeout(s -> {
                timeouts.incrementAndGet();
                connectingInOnTimeout.set(!s.isClosed() && !s.isEstablished());
                s.close(CloseCode.TIMED_OUT, "connect timeout");
            });
            ctx.onConnectError((s, code, reason) -> error.complete(code));
            ctx.connect(host, port).timeout(1);
        });
        CloseCode code = TestLoop.await(error);
        tl.settle(5);
        assertEquals(1, timeouts.get(), "onTimeout calls");
        assertTrue(connectingInOnTimeout.get(), "the socket was not connecting when its timeout fired");
        assertEquals(0, opens.get(), "onOpen calls");
        return code;
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aConnectThatHangsEndsWithTimedOutWhenItsTimeoutFires(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend);
             HangingListener hanging = HangingListener.open(JavaNetPeers.loopback(), 0)) {
            assertEquals(CloseCode.TIMED_OUT, connectTimingOut(tl, mode, "127.0.0.1", hanging.port()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aConnectTimeoutSpansTheNameLookup(String backend, Mode mode) throws Exception {
        try (ScriptedResolver resolver = new ScriptedResolver();
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver))) {
            CompletableFuture<Void> release = resolver.hold("never.test", ScriptedResolver.ip("127.0.0.1"));
            assertEquals(CloseCode.TIMED_OUT, connectTimingOut(tl, mode, "never.test", JavaNetPeers.closedPort()));
            // The answer after the timeout is dropped: no second callback (checked by connectTimingOut's counts).
            release.complete(null);
            resolver.answered("never.test");
            tl.roundTrip();
        }
    }
}
