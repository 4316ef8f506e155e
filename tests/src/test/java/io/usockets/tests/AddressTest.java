package io.usockets.tests;

import io.usockets.ListenOptions;
import io.usockets.ListenSocket;
import io.usockets.Socket;
import io.usockets.SocketContext;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Ports and addresses of both ends of IPv4, IPv6 and unix domain connections. */
class AddressTest {

    private static final byte[] IPV4_LOOPBACK = {127, 0, 0, 1};
    private static final byte[] IPV6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    /** What a socket reports about its ends, read on the loop thread. */
    private record Ends(int localPort, int remotePort, byte[] remoteAddress, boolean isClient) {
        static Ends of(Socket<?> s, boolean isClient) {
            return new Ends(s.localPort(), s.remotePort(), s.remoteAddress(), isClient);
        }
    }

    /** A context that completes {@code accepted} / {@code connected} with the ends of each new socket. */
    private static SocketContext<Void, Void> recordingContext(TestLoop tl, Mode mode, CompletableFuture<Ends> accepted,
                                                              CompletableFuture<Ends> connected) {
        SocketContext<Void, Void> ctx = mode.context(tl.loop());
        ctx.onOpen((s, client) -> (client ? connected : accepted).complete(Ends.of(s, client)));
        ctx.onConnectError((s, code, reason) ->
                connected.completeExceptionally(new AssertionError("connect failed: " + code + " " + reason)));
        return ctx;
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void acceptedIpv4SocketReportsTheJavaClientsPortAndAddress(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<Ends> accepted = new CompletableFuture<>();
            int port = tl.call(() -> recordingContext(tl, mode, accepted, new CompletableFuture<>())
                    .listen("127.0.0.1", 0).port());
            try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                Ends ends = TestLoop.await(accepted);
                assertEquals(port, ends.localPort(), "local port of the accepted socket");
                assertEquals(c.getLocalPort(), ends.remotePort(), "remote port of the accepted socket");
                assertArrayEquals(IPV4_LOOPBACK, ends.remoteAddress(), "remote address of the accepted socket");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void connectedIpv4SocketReportsTheServersPortAndAddress(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend); ServerSocket server = JavaNetPeers.server()) {
            CompletableFuture<Ends> connected = new CompletableFuture<>();
            tl.run(() -> recordingContext(tl, mode, new CompletableFuture<>(), connected)
                    .connect("127.0.0.1", server.getLocalPort()));
            try (java.net.Socket peer = JavaNetPeers.accept(mode, server)) {
                Ends ends = TestLoop.await(connected);
                assertEquals(server.getLocalPort(), ends.remotePort(), "remote port of the connected socket");
                assertEquals(peer.getPort(), ends.localPort(), "local port of the connected socket");
                assertArrayEquals(IPV4_LOOPBACK, ends.remoteAddress(), "remote address of the connected socket");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void ipv4PeerOfADualStackListenHasAFourByteAddress(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<Ends> accepted = new CompletableFuture<>();
            int port = tl.call(() -> recordingContext(tl, mode, accepted, new CompletableFuture<>()).listen(null, 0).port());
            try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                Ends ends = TestLoop.await(accepted);
                assertArrayEquals(IPV4_LOOPBACK, ends.remoteAddress(), "an IPv4(-mapped) peer's address");
                assertEquals(c.getLocalPort(), ends.remotePort());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void ipv6LoopbackConnectionHasSixteenByteAddresses(String backend, Mode mode) throws Exception {
        Assumptions.assumeTrue(canBindIpv6Loopback(), "::1 cannot be bound on this machine");
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<Ends> accepted = new CompletableFuture<>();
            CompletableFuture<Ends> connected = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = recordingContext(tl, mode, accepted, connected);
                ListenSocket ls = ctx.listen("::1", 0, ListenOptions.EXCLUSIVE_PORT);
                ctx.connect("::1", ls.port());
                return ls.port();
            });
            Ends server = TestLoop.await(accepted);
            Ends client = TestLoop.await(connected);
            assertArrayEquals(IPV6_LOOPBACK, server.remoteAddress(), "the accepted socket's remote address");
            assertArrayEquals(IPV6_LOOPBACK, client.remoteAddress(), "the connected socket's remote address");
            assertEquals(port, server.localPort());
            assertEquals(port, client.remotePort());
            assertEquals(client.localPort(), server.remotePort());
        }
    }

    private static boolean canBindIpv6Loopback() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void unixSocketsHaveNoPortsAndAnEmptyAddress(String backend, Mode mode) throws Exception {
        Path dir = ShortTempDirs.create();
        try (TestLoop tl = TestLoop.start(backend)) {
            String path = dir.resolve("a").toString();
            CompletableFuture<Ends> accepted = new CompletableFuture<>();
            CompletableFuture<Ends> connected = new CompletableFuture<>();
            int listenPort = tl.call(() -> {
                SocketContext<Void, Void> ctx = recordingContext(tl, mode, accepted, connected);
                ListenSocket ls = ctx.listenUnix(path, ListenOptions.DEFAULT);
                ctx.connectUnix(path);
                return ls.port();
            });
            assertEquals(-1, listenPort, "port() of a unix listen socket");
            for (Ends ends : new Ends[] {TestLoop.await(accepted), TestLoop.await(connected)}) {
                String side = ends.isClient() ? "connected" : "accepted";
                assertEquals(-1, ends.localPort(), "local port of the " + side + " unix socket");
                assertEquals(-1, ends.remotePort(), "remote port of the " + side + " unix socket");
                assertArrayEquals(new byte[0], ends.remoteAddress(), "remote address of the " + side + " unix socket");
            }
        } finally {
            ShortTempDirs.delete(dir);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closedSocketReportsClosedValues(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<Socket<Void>> socket = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> socket.complete(s));
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                Socket<Void> s = TestLoop.await(socket);
                Ends ends = tl.call(() -> {
                    s.close();
                    return Ends.of(s, false);
                });
                assertEquals(-1, ends.localPort(), "local port once closed");
                assertEquals(-1, ends.remotePort(), "remote port once closed");
                assertEquals(0, ends.remoteAddress().length, "remote address once closed");
                JavaNetPeers.closedByPeer(c);
            }
        }
    }
}
