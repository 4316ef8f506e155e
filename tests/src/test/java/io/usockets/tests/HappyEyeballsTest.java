package io.usockets.tests;

import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.testsupport.TcpQueues;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static io.usockets.tests.ScriptedResolver.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Happy Eyeballs (RFC 8305): a name with an IPv6 and an IPv4 address, a server on one of them only. The attempts race
 * for one socket: the application sees one socket and one callback, and the losing attempts leave no descriptor.
 */
class HappyEyeballsTest {

    private static final InetAddress V6 = ip("::1");
    private static final InetAddress V4 = ip("127.0.0.1");

    private static void assumeIpv6Loopback() {
        try (ServerSocket s = new ServerSocket(0, 1, V6)) {
            Assumptions.assumeTrue(s.isBound(), "::1 cannot be bound on this machine");
        } catch (IOException e) {
            Assumptions.abort("::1 cannot be bound on this machine: " + e);
        }
    }

    /** What the application saw of one connect. */
    private static final class Seen {
        final CompletableFuture<byte[]> openedFrom = new CompletableFuture<>();
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
    }

    /** Connects to {@code host} on a fresh context, recording the remote address onOpen saw. */
    private static Seen connect(TestLoop tl, Mode mode, String host, int port) {
        Seen seen = new Seen();
        tl.run(() -> {
            SocketContext<Void, Void> ctx = mode.context(tl.loop());
            ctx.onOpen((s, client) -> {
                seen.opens.incrementAndGet();
                seen.openedFrom.complete(s.remoteAddress());
            });
            ctx.onConnectError((s, code, reason) -> {
                seen.errors.incrementAndGet();
                seen.openedFrom.completeExceptionally(new AssertionError("connect failed: " + code + " " + reason));
            });
            ctx.onClose((s, code, reason) -> seen.closes.incrementAndGet());
            ctx.connect(host, port);
        });
        return seen;
    }

    private static void assertOneOpenFrom(TestLoop tl, Seen seen, InetAddress expected) {
        assertArrayEquals(expected.getAddress(), TestLoop.await(seen.openedFrom), "the winner's remote address");
        tl.settle(5);
        assertEquals(1, seen.opens.get(), "onOpen calls");
        assertEquals(0, seen.errors.get(), "onConnectError calls");
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aRefusedIpv6AttemptStartsTheIpv4OneWhichWins(String backend, Mode mode) throws Exception {
        assumeIpv6Loopback();
        // A delay far longer than the test: only the IPv6 attempt's failure can start the IPv4 one.
        try (ScriptedResolver resolver = new ScriptedResolver();
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver).connectAttemptDelay(Duration.ofSeconds(60)));
             ServerSocket server = JavaNetPeers.server()) {
            resolver.answer("dual.test", V6, V4);
            int port = server.getLocalPort();
            try (ServerSocket probe = new ServerSocket(port, 1, V6)) {
                assertTrue(probe.isBound(), "nothing listens on [::1]:" + port);
            }
            Seen seen = connect(tl, mode, "dual.test", port);
            try (java.net.Socket peer = JavaNetPeers.accept(mode, server)) {
                assertOneOpenFrom(tl, seen, V4);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void theIpv4AttemptStartedByTheDelayWinsOverAHangingIpv6One(String backend, Mode mode) throws Exception {
        assumeIpv6Loopback();
        try (ScriptedResolver resolver = new ScriptedResolver();
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver));
             SamePort ports = SamePort.open()) {
            resolver.answer("dual.test", V6, V4);
            Seen seen = connect(tl, mode, "dual.test", ports.port());
            try (java.net.Socket peer = JavaNetPeers.accept(mode, ports.server)) {
                assertOneOpenFrom(tl, seen, V4);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void preferIpv4TriesIpv4FirstAndFallsBackToIpv6(String backend, Mode mode) throws Exception {
        assumeIpv6Loopback();
        try (ScriptedResolver resolver = new ScriptedResolver();
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver).preferIpv4(true)
                     .connectAttemptDelay(Duration.ofSeconds(60)));
             ServerSocket server = new ServerSocket(0, 50, V6)) {
            server.setSoTimeout(JavaNetPeers.SO_TIMEOUT_MS);
            resolver.answer("dual.test", V6, V4);
            Seen seen = connect(tl, mode, "dual.test", server.getLocalPort());
            try (java.net.Socket peer = JavaNetPeers.accept(mode, server)) {
                assertOneOpenFrom(tl, seen, V6);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closeConnectingWithAttemptsInFlightClosesEveryAttemptWithNoCallback(String backend, Mode mode)
            throws Exception {
        assumeIpv6Loopback();
        // No delay: both attempts start at once, and both hang.
        try (ScriptedResolver resolver = new ScriptedResolver();
             TestLoop tl = TestLoop.start(backend, b -> b.resolver(resolver).connectAttemptDelay(Duration.ZERO));
             HangingListener v6 = HangingListener.open(V6, 0);
             HangingListener v4 = openSamePort(V4, v6.port())) {
            Assumptions.assumeTrue(v4 != null, "port " + v6.port() + " is taken on 127.0.0.1");
            resolver.answer("dual.test", V6, V4);
            AtomicInteger callbacks = new AtomicInteger();
            Socket<Void> socket = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> callbacks.incrementAndGet());
                ctx.onConnectError((s, code, reason) -> callbacks.incrementAndGet());
                ctx.onClose((s, code, reason) -> callbacks.incrementAndGet());
                return ctx.connect("dual.test", v6.port());
            });
            // The answer is handed to the loop before this round trip's task: both attempts are in flight after it.
            resolver.answered("dual.test");
            tl.roundTrip();
            // Counted in the kernel's table of connecting sockets, not as this process's descriptor count, which
            // other closes (a Vert.x instance of an earlier test shutting down) can lower meanwhile.
            TcpQueues.await(() -> TcpQueues.connectingTo(v6.port()) == 2, "two connect attempts in flight to port "
                    + v6.port() + " (have " + TcpQueues.connectingTo(v6.port()) + ")");
            assertTrue(tl.call(() -> {
                socket.closeConnecting();
                return socket.isClosed();
            }), "closeConnecting() left the socket open");
            TcpQueues.await(() -> TcpQueues.connectingTo(v6.port()) == 0, "both attempts closed (still connecting: "
                    + TcpQueues.connectingTo(v6.port()) + ")");
            tl.settle(5);
            assertEquals(0, callbacks.get(), "callbacks after closeConnecting()");
        }
    }

    private static HangingListener openSamePort(InetAddress address, int port) {
        try {
            return HangingListener.open(address, port);
        } catch (IOException e) {
            return null;
        }
    }

    /** A hanging listener on [::1]:P and a java.net server on 127.0.0.1:P, one port for both. */
    private static final class SamePort implements AutoCloseable {
        final HangingListener hanging;
        final ServerSocket server;

        private SamePort(HangingListener hanging, ServerSocket server) {
            this.hanging = hanging;
            this.server = server;
        }

        static SamePort open() throws IOException {
            for (int tries = 0; tries < 20; tries++) {
                HangingListener hanging = HangingListener.open(V6, 0);
                try {
                    ServerSocket server = new ServerSocket();
                    server.bind(new InetSocketAddress(V4, hanging.port()), 50);
                    server.setSoTimeout(JavaNetPeers.SO_TIMEOUT_MS);
                    return new SamePort(hanging, server);
                } catch (IOException taken) {
                    hanging.close();
                }
            }
            throw new IOException("no port free on both ::1 and 127.0.0.1 after 20 tries");
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            hanging.close();
        }
    }
}
