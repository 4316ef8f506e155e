package io.usockets.tests;

import io.usockets.ListenOptions;
import io.usockets.ListenSocket;
import io.usockets.Socket;
import io.usockets.SocketContext;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Listen sockets: exclusive and shared ports, ephemeral ports, closing, and unix domain sockets. */
class ListenTest {

    /** A context on the loop that echoes everything and counts accepted sockets. */
    private static SocketContext<Void, Void> echoContext(TestLoop tl, Mode mode, AtomicInteger accepted) {
        SocketContext<Void, Void> ctx = mode.context(tl.loop());
        ctx.onOpen((s, client) -> {
            if (!client) {
                accepted.incrementAndGet();
            }
        });
        ctx.onData((s, data) -> s.write(data));
        return ctx;
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void exclusiveListenMakesASecondListenOnThePortFailWithAddressInUse(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            AtomicInteger accepted = new AtomicInteger();
            int port = tl.call(() -> echoContext(tl, mode, accepted)
                    .listen("127.0.0.1", 0, ListenOptions.EXCLUSIVE_PORT).port());
            assertTrue(port > 0, "port " + port);
            for (ListenOptions second : new ListenOptions[] {ListenOptions.EXCLUSIVE_PORT, ListenOptions.DEFAULT}) {
                UncheckedIOException e = assertThrows(UncheckedIOException.class,
                        () -> tl.call(() -> mode.context(tl.loop()).listen("127.0.0.1", port, second)),
                        "a second listen with " + second + " on an exclusive port");
                assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("in use"),
                        "the message should say the address is in use: " + e.getMessage());
            }
            // The first listen socket is unharmed.
            try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                assertEquals("still here", JavaNetPeers.roundTrip(c, "still here"));
            }
            assertEquals(1, accepted.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void defaultListenSharesOnePortBetweenTwoLoops(String backend, Mode mode) throws Exception {
        try (TestLoop first = TestLoop.start(backend); TestLoop second = TestLoop.start(backend)) {
            AtomicInteger acceptedByFirst = new AtomicInteger();
            AtomicInteger acceptedBySecond = new AtomicInteger();
            SocketContext<Void, Void> firstContext = first.call(() -> echoContext(first, mode, acceptedByFirst));
            SocketContext<Void, Void> secondContext = second.call(() -> echoContext(second, mode, acceptedBySecond));
            int port = first.call(() -> firstContext.listen("127.0.0.1", 0).port());
            int secondPort = second.call(() -> secondContext.listen("127.0.0.1", port).port());
            assertEquals(port, secondPort, "the second loop's listen port");
            // SO_REUSEPORT spreads connections by a hash of the source port: try until each loop got one.
            int tries = 0;
            while (tries < 64 && (acceptedByFirst.get() == 0 || acceptedBySecond.get() == 0)) {
                try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                    assertEquals("n" + tries, JavaNetPeers.roundTrip(c, "n" + tries));
                }
                tries++;
            }
            assertTrue(acceptedByFirst.get() >= 1 && acceptedBySecond.get() >= 1, "accepted by the first loop: "
                    + acceptedByFirst.get() + ", by the second: " + acceptedBySecond.get() + " of " + tries);
            assertEquals(tries, acceptedByFirst.get() + acceptedBySecond.get(), "every connection accepted once");
            // Each loop's leak gate counts the whole process: close the first loop's sockets before the second's gate.
            first.run(firstContext::close);
            second.run(secondContext::close);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void listenOnPortZeroReportsTheRealPortUntilClosed(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            AtomicInteger accepted = new AtomicInteger();
            ListenSocket ls = tl.call(() -> echoContext(tl, mode, accepted).listen("127.0.0.1", 0));
            int port = tl.call(ls::port);
            assertTrue(port > 0 && port <= 65535, "port " + port);
            try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                assertEquals(port, c.getPort());
                assertEquals("ping", JavaNetPeers.roundTrip(c, "ping"));
            }
            assertEquals(1, accepted.get());
            assertFalse(tl.call(ls::isClosed));
            tl.run(ls::close);
            assertTrue(tl.call(ls::isClosed));
            assertEquals(-1, (int) tl.call(ls::port), "port() of a closed listen socket");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closedListenSocketRefusesNewConnectionsButKeepsAcceptedOnes(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            AtomicInteger accepted = new AtomicInteger();
            ListenSocket ls = tl.call(() -> echoContext(tl, mode, accepted).listen("127.0.0.1", 0));
            int port = tl.call(ls::port);
            try (java.net.Socket before = JavaNetPeers.client(mode, port)) {
                assertEquals("before", JavaNetPeers.roundTrip(before, "before"));
                tl.run(() -> {
                    ls.close();
                    ls.close(); // a second close does nothing
                });
                tl.settle(1); // listenSocketCloseReleasesThePortBeforeReturning pins the stricter timing
                assertThrows(ConnectException.class, () -> JavaNetPeers.client(mode, port).close(),
                        "connect after the listen socket closed");
                assertEquals("after", JavaNetPeers.roundTrip(before, "after"));
            }
            assertEquals(1, accepted.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void listenSocketCloseReleasesThePortBeforeReturning(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            AtomicInteger accepted = new AtomicInteger();
            ListenSocket ls = tl.call(() -> echoContext(tl, mode, accepted).listen("127.0.0.1", 0));
            int port = tl.call(ls::port);
            // Connect from the loop thread right after close(), before the loop can do anything else: close() is
            // immediate (the descriptor is closed when it returns), so the port must refuse at once.
            String outcome = tl.call(() -> {
                ls.close();
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                    return "connected";
                } catch (ConnectException e) {
                    return "refused";
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            });
            assertEquals("refused", outcome, "a connect right after ListenSocket.close() returned");
            assertEquals(0, accepted.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void unixListenReplacesAStaleFileAndEchoesWithConnectUnix(String backend, Mode mode) throws Exception {
        Path dir = ShortTempDirs.create();
        try (TestLoop tl = TestLoop.start(backend)) {
            Path path = dir.resolve("s");
            // A stale socket file, as a crashed server leaves it.
            try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                stale.bind(UnixDomainSocketAddress.of(path));
            }
            assertTrue(Files.exists(path), "the stale socket file should exist");
            AtomicInteger accepted = new AtomicInteger();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            CompletableFuture<Boolean> clientOpened = new CompletableFuture<>();
            ListenSocket ls = tl.call(() -> {
                ListenSocket l = echoContext(tl, mode, accepted).listenUnix(path.toString(), ListenOptions.DEFAULT);
                SocketContext<Void, StringBuilder> client = mode.context(tl.loop());
                client.onOpen((s, isClient) -> {
                    s.setExt(new StringBuilder());
                    clientOpened.complete(isClient);
                    s.write(Buffers.buffer("over unix"));
                });
                client.onData((s, data) -> {
                    s.ext().append(Buffers.text(data));
                    if (s.ext().length() >= 9) {
                        echoed.complete(s.ext().toString());
                        s.close();
                    }
                });
                client.onConnectError((s, code, reason) ->
                        echoed.completeExceptionally(new AssertionError("connectUnix failed: " + code + " " + reason)));
                client.connectUnix(path.toString());
                return l;
            });
            assertEquals("over unix", TestLoop.await(echoed));
            assertTrue(TestLoop.await(clientOpened), "onOpen's isClient for connectUnix");
            assertEquals(1, accepted.get());
            tl.run(ls::close);
        } finally {
            ShortTempDirs.delete(dir);
        }
    }

    // Plain only: its peer is a raw unix-domain SocketChannel and the JDK has no TLS over those; TLS over
    // unix sockets runs in unixListenReplacesAStaleFileAndEchoesWithConnectUnix (listed in Mode.PLAIN_ONLY).
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsPlainOnly")
    void unixListenSocketRemovesItsFileOnClose(String backend, Mode mode) throws Exception {
        Path dir = ShortTempDirs.create();
        try (TestLoop tl = TestLoop.start(backend)) {
            Path path = dir.resolve("s");
            AtomicInteger accepted = new AtomicInteger();
            ListenSocket ls = tl.call(() -> echoContext(tl, mode, accepted).listenUnix(path.toString(), ListenOptions.DEFAULT));
            assertTrue(Files.exists(path), "the listen socket's file");
            try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                c.write(Buffers.buffer("x"));
                java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(1);
                assertEquals("x", readOneByteBounded(c, in));
            }
            assertEquals(1, accepted.get());
            tl.run(ls::close);
            assertFalse(Files.exists(path), "the socket file is still there after close()");
        } finally {
            ShortTempDirs.delete(dir);
        }
    }

    /** Reads one byte from a blocking unix channel without waiting forever (a watchdog closes it). */
    private static String readOneByteBounded(java.nio.channels.SocketChannel c, java.nio.ByteBuffer in)
            throws Exception {
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(TestLoop.WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        watchdog.thenRun(() -> {
            try {
                c.close();
            } catch (java.io.IOException ignored) {
                // The read below then fails, which fails the test.
            }
        });
        try {
            while (in.hasRemaining()) {
                if (c.read(in) < 0) {
                    throw new AssertionError("end of stream before the echo");
                }
            }
        } finally {
            watchdog.cancel(false);
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void unixPathLongerThan107BytesIsRejected(String backend, Mode mode) {
        String tooLong = "/tmp/" + "p".repeat(103);
        assertEquals(108, tooLong.getBytes(StandardCharsets.UTF_8).length);
        try (TestLoop tl = TestLoop.start(backend)) {
            IllegalArgumentException listen = assertThrows(IllegalArgumentException.class,
                    () -> tl.call(() -> mode.context(tl.loop()).listenUnix(tooLong, ListenOptions.DEFAULT)));
            assertTrue(listen.getMessage().contains("107"), "the message should name the limit: " + listen.getMessage());
            IllegalArgumentException connect = assertThrows(IllegalArgumentException.class,
                    () -> tl.call(() -> {
                        Socket<Object> s = mode.context(tl.loop()).connectUnix(tooLong);
                        return s;
                    }));
            assertTrue(connect.getMessage().contains("107"), "the message should name the limit: " + connect.getMessage());
        }
        assertFalse(Files.exists(Path.of(tooLong)));
    }
}
