package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.Socket;
import io.usockets.SocketContext;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failures: a throwing callback, a peer reset in the middle of a write, and the default error handler. */
class FailureTest {

    /** The exception the test's onData throws; recognisable in the callback error list. */
    private static final class Boom extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Boom() {
            super("boom thrown by the test's onData");
        }
    }

    /** What onClose reported. */
    private record Closed(CloseCode code, Object reason) {
    }

    /**
     * An echo context whose onData throws on "boom"; the close of each socket completes the future in its
     * extension.
     */
    private static int throwingEchoServer(TestLoop tl, Mode mode, List<Closed> closes) {
        return tl.call(() -> {
            SocketContext<Void, Void> ctx = mode.context(tl.loop());
            ctx.onData((s, data) -> {
                if (Buffers.text(data).startsWith("boom")) {
                    throw new Boom();
                }
                s.write(data);
            });
            ctx.onClose((s, code, reason) -> closes.add(new Closed(code, reason)));
            return ctx.listen("127.0.0.1", 0).port();
        });
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void exceptionInOnDataClosesOnlyThatSocketWithCallbackFailed(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            tl.expectCallbackErrors();
            List<Closed> closes = new CopyOnWriteArrayList<>();
            int port = throwingEchoServer(tl, mode, closes);
            try (java.net.Socket victim = JavaNetPeers.client(mode, port); java.net.Socket bystander = JavaNetPeers.client(mode, port)) {
                assertEquals("hello", JavaNetPeers.roundTrip(victim, "hello"));
                assertEquals("hello", JavaNetPeers.roundTrip(bystander, "hello"));
                victim.getOutputStream().write("boom".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                assertTrue(JavaNetPeers.closedByPeer(victim), "the socket whose onData threw is closed");
                assertEquals("still echoing", JavaNetPeers.roundTrip(bystander, "still echoing"));
                tl.settle(3);
                assertEquals(1, closes.size(), "onClose calls: " + closes);
                assertEquals(CloseCode.CALLBACK_FAILED, closes.get(0).code());
                assertTrue(closes.get(0).reason() instanceof Boom, "onClose's reason: " + closes.get(0).reason());
                assertEquals(1, tl.callbackErrors().size(), "callback errors: " + tl.callbackErrors());
                assertSame(closes.get(0).reason(), tl.callbackErrors().get(0), "the reason is the thrown exception");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void defaultCallbackErrorHandlerClosesWithCallbackFailedAndTheLoopGoesOn(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend, b -> b.callbackErrorHandler(null))) {
            List<Closed> closes = new CopyOnWriteArrayList<>();
            int port = throwingEchoServer(tl, mode, closes);
            try (java.net.Socket victim = JavaNetPeers.client(mode, port); java.net.Socket bystander = JavaNetPeers.client(mode, port)) {
                assertEquals("one", JavaNetPeers.roundTrip(bystander, "one"));
                victim.getOutputStream().write("boom".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                assertTrue(JavaNetPeers.closedByPeer(victim), "the socket whose onData threw is closed");
                assertEquals("two", JavaNetPeers.roundTrip(bystander, "two"));
                try (java.net.Socket later = JavaNetPeers.client(mode, port)) {
                    assertEquals("three", JavaNetPeers.roundTrip(later, "three"));
                }
                tl.settle(3);
                assertTrue(closes.size() >= 1, "onClose calls: " + closes);
                assertEquals(CloseCode.CALLBACK_FAILED, closes.get(0).code(), "closes: " + closes);
                assertTrue(closes.get(0).reason() instanceof Boom, "onClose's reason: " + closes.get(0).reason());
            }
            assertTrue(tl.callbackErrors().isEmpty(), "the test handler was replaced by the default one");
        }
    }

    // Plain only: the JDK TLS peer sends close_notify before its reset, so the server sees an orderly end
    // first (listed in Mode.PLAIN_ONLY).
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsPlainOnly")
    void peerResetWhileWritingClosesTheSocketWithoutAnEscapingException(String backend, Mode mode) throws Exception {
        ByteBuffer block = ByteBuffer.wrap(TestData.pattern(64 * 1024, 5)).asReadOnlyBuffer();
        long limit = 512L * 1024 * 1024; // stop writing at some point even if the reset never comes
        try (TestLoop tl = TestLoop.start(backend)) {
            List<Closed> closes = new CopyOnWriteArrayList<>();
            AtomicLong written = new AtomicLong();
            AtomicInteger shortWrites = new AtomicInteger();
            CompletableFuture<Closed> firstClosed = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Integer> ctx = mode.context(tl.loop());
                AtomicInteger accepted = new AtomicInteger();
                SocketContext.SocketHandler<Integer> writeMuch = s -> {
                    while (written.get() < limit) {
                        ByteBuffer b = block.duplicate();
                        int n = s.write(b);
                        written.addAndGet(n);
                        if (n < block.capacity()) {
                            shortWrites.incrementAndGet();
                            return; // onWritable continues
                        }
                    }
                };
                ctx.onOpen((s, client) -> {
                    s.setExt(accepted.incrementAndGet());
                    if (s.ext() == 1) {
                        writeMuch.handle(s);
                    }
                });
                ctx.onWritable(s -> {
                    if (s.ext() == 1) {
                        writeMuch.handle(s);
                    }
                });
                ctx.onData((s, data) -> s.write(data));
                ctx.onClose((s, code, reason) -> {
                    if (s.ext() == 1) {
                        Closed c = new Closed(code, reason);
                        closes.add(c);
                        firstClosed.complete(c);
                    }
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket peer = JavaNetPeers.client(mode, port)) {
                JavaNetPeers.readExactly(peer.getInputStream(), 100_000); // the server is writing
                Waits.awaitAtLeast(shortWrites::get, 1, "short writes (the server waiting for onWritable)");
                peer.setSoLinger(true, 0);
            } // close with linger 0: RST
            Closed closed = TestLoop.await(firstClosed);
            assertTrue(closed.code() == CloseCode.RESET || closed.code() == CloseCode.OTHER,
                    "onClose code after a reset: " + closed.code() + " (" + closed.reason() + ")");
            try (java.net.Socket after = JavaNetPeers.client(mode, port)) {
                assertEquals("the loop goes on", JavaNetPeers.roundTrip(after, "the loop goes on"));
            }
            tl.settle(3);
            assertEquals(1, closes.size(), "onClose calls of the reset socket: " + closes);
            assertTrue(tl.callbackErrors().isEmpty(), "callback errors: " + tl.callbackErrors());
        }
    }

    /**
     * shutdown() on a socket whose peer has reset the connection, before the loop has seen the reset, is quiet (the
     * kernel answers ENOTCONN; µSockets and the JDK ignore it), and the socket then closes once, with no callback
     * error. The loop thread itself resets the peer, so no event can come between the reset and the shutdown.
     */
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void shutdownAfterThePeerResetIsQuiet(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<Socket<Void>> opened = new CompletableFuture<>();
            List<Closed> closes = new CopyOnWriteArrayList<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> opened.complete(s));
                ctx.onData((s, data) -> s.write(data));
                ctx.onClose((s, code, reason) -> {
                    if (s == opened.getNow(null)) {
                        closes.add(new Closed(code, reason));
                    }
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            java.net.Socket raw = JavaNetPeers.client(port);
            java.net.Socket peer = mode.over(raw, 5_000);
            assertEquals("before the reset", JavaNetPeers.roundTrip(peer, "before the reset"));
            Socket<Void> server = TestLoop.await(opened);
            tl.call(() -> {
                try {
                    // RST, without TLS's close_notify (which would wait for this loop); over loopback the server's
                    // end is reset before close() returns.
                    raw.setSoLinger(true, 0);
                    raw.close();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                server.shutdown();
                return null;
            });
            Waits.awaitAtLeast(closes::size, 1, "onClose of the reset socket");
            try (java.net.Socket after = JavaNetPeers.client(mode, port)) {
                assertEquals("the loop goes on", JavaNetPeers.roundTrip(after, "the loop goes on"));
            }
            tl.settle(3);
            assertEquals(1, closes.size(), "onClose calls of the reset socket: " + closes);
            assertTrue(tl.callbackErrors().isEmpty(), "callback errors: " + tl.callbackErrors());
        }
    }
}
