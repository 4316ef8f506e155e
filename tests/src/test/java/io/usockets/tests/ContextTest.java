package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.ListenSocket;
import io.usockets.NativeHandle;
import io.usockets.Socket;
import io.usockets.SocketContext;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Socket contexts: closing, child contexts and adoption, taking connections away in onPreOpen, extensions. */
class ContextTest {

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closingAContextClosesEachListenSocketAndSocketOnceAndRefusesNewConnections(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            // Loop-thread state: sockets opened and close callbacks per socket.
            List<Socket<Void>> opened = new ArrayList<>();
            Map<Socket<Void>, List<CloseCode>> closes = new IdentityHashMap<>();
            CountDownLatch fourOpen = new CountDownLatch(4);
            SocketContext<Void, Void> ctx = tl.call(() -> mode.context(tl.loop()));
            ListenSocket[] listeners = tl.call(() -> {
                ctx.onOpen((s, client) -> {
                    opened.add(s);
                    fourOpen.countDown();
                });
                ctx.onData((s, data) -> s.write(data));
                ctx.onClose((s, code, reason) -> closes.computeIfAbsent(s, k -> new ArrayList<>()).add(code));
                return new ListenSocket[] {ctx.listen("127.0.0.1", 0), ctx.listen("127.0.0.1", 0)};
            });
            int port = tl.call(listeners[0]::port);
            int otherPort = tl.call(listeners[1]::port);
            try (java.net.Socket a = JavaNetPeers.client(mode, port); java.net.Socket b = JavaNetPeers.client(mode, otherPort)) {
                tl.run(() -> ctx.connect("127.0.0.1", port));
                TestLoop.await(fourOpen); // a, b, and both ends of the us_* connection
                tl.run(ctx::close);
                assertTrue(tl.call(() -> listeners[0].isClosed() && listeners[1].isClosed()), "listen sockets closed");
                assertTrue(tl.call(() -> opened.stream().allMatch(Socket::isClosed)), "every socket closed");
                assertTrue(JavaNetPeers.closedByPeer(a), "java peer a sees the close");
                assertTrue(JavaNetPeers.closedByPeer(b), "java peer b sees the close");
            }
            tl.settle(1); // NIO closes a registered channel's descriptor at the next select
            assertThrows(ConnectException.class, () -> JavaNetPeers.client(mode, port).close(), "connect to a closed context");
            assertThrows(ConnectException.class, () -> JavaNetPeers.client(mode, otherPort).close(),
                    "connect to a closed context's second port");
            tl.settle(5);
            String summary = tl.call(() -> {
                StringBuilder problems = new StringBuilder();
                for (Socket<Void> s : opened) {
                    List<CloseCode> codes = closes.get(s);
                    if (codes == null || !codes.equals(List.of(CloseCode.NORMAL))) {
                        problems.append(s).append(" closed with ").append(codes).append("; ");
                    }
                }
                if (closes.size() != opened.size()) {
                    problems.append(closes.size()).append(" sockets closed, ").append(opened.size()).append(" opened");
                }
                return problems.toString();
            });
            assertEquals("", summary, "each socket's onClose codes");
            assertEquals(4, (int) tl.call(opened::size));
            // The context stays usable after close().
            int again = tl.call(() -> ctx.listen("127.0.0.1", 0).port());
            try (java.net.Socket c = JavaNetPeers.client(mode, again)) {
                assertEquals("still usable", JavaNetPeers.roundTrip(c, "still usable"));
            }
        }
    }

    /** The extension an upgraded socket gets in the child context. */
    private record Upgraded(String protocol) {
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void adoptMovesALiveSocketIntoAChildContextWithEveryFollowingByte(String backend, Mode mode) throws Exception {
        byte[] inFlight = TestData.pattern(200_000, 1);
        byte[] afterReply = TestData.pattern(100_000, 2);
        int expected = inFlight.length + afterReply.length;
        Upgraded upgraded = new Upgraded("echo/1");
        try (TestLoop tl = TestLoop.start(backend)) {
            // Loop-thread state.
            StringBuilder head = new StringBuilder();
            ByteArrayOutputStream leftover = new ByteArrayOutputStream(); // bytes after UPGRADE\n in the same chunk
            ByteArrayOutputStream childData = new ByteArrayOutputStream();
            boolean[] adopted = new boolean[1];
            AtomicInteger firstContextDataAfterAdopt = new AtomicInteger();
            AtomicInteger wrongExt = new AtomicInteger();
            AtomicInteger firstContextCloses = new AtomicInteger();
            AtomicInteger childCloses = new AtomicInteger();
            CompletableFuture<Boolean> adoptedIntoChild = new CompletableFuture<>();
            CompletableFuture<Void> allArrived = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Object> http = mode.context(tl.loop());
                SocketContext<Void, Object> child = http.createChild();
                http.onOpen((s, client) -> s.setExt("http"));
                http.onClose((s, code, reason) -> firstContextCloses.incrementAndGet());
                http.onData((s, data) -> {
                    if (adopted[0]) {
                        firstContextDataAfterAdopt.incrementAndGet();
                        return;
                    }
                    byte[] chunk = Buffers.copy(data);
                    int chunkStart = head.length();
                    head.append(new String(chunk, StandardCharsets.ISO_8859_1));
                    int at = head.indexOf("UPGRADE\n");
                    if (at < 0) {
                        return;
                    }
                    int rest = at + "UPGRADE\n".length() - chunkStart;
                    leftover.write(chunk, rest, chunk.length - rest);
                    adopted[0] = true;
                    Socket<Object> up = child.adopt(s, upgraded);
                    adoptedIntoChild.complete(up.context() == child && up.ext() == upgraded && !up.isClosed());
                    up.write(Buffers.buffer("OK\n"));
                });
                child.onData((s, data) -> {
                    if (s.ext() != upgraded) {
                        wrongExt.incrementAndGet();
                    }
                    childData.write(Buffers.copy(data), 0, data.remaining());
                    if (leftover.size() + childData.size() >= expected) {
                        allArrived.complete(null);
                    }
                });
                child.onClose((s, code, reason) -> childCloses.incrementAndGet());
                return http.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket peer = JavaNetPeers.client(mode, port)) {
                OutputStream out = peer.getOutputStream();
                out.write("GET / HTTP/1.1\r\nUPGRADE\n".getBytes(StandardCharsets.ISO_8859_1));
                out.write(inFlight); // sent before the reply: in flight while the socket is adopted
                out.flush();
                assertEquals("OK\n", new String(JavaNetPeers.readExactly(peer.getInputStream(), 3),
                        StandardCharsets.ISO_8859_1), "the reply written through the adopted socket");
                out.write(afterReply);
                out.flush();
                assertTrue(TestLoop.await(adoptedIntoChild), "adopt() returned a socket of the child with the new ext");
                TestLoop.await(allArrived);
                byte[] received = tl.call(() -> {
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    all.writeBytes(leftover.toByteArray());
                    all.writeBytes(childData.toByteArray());
                    return all.toByteArray();
                });
                byte[] sent = new byte[expected];
                System.arraycopy(inFlight, 0, sent, 0, inFlight.length);
                System.arraycopy(afterReply, 0, sent, inFlight.length, afterReply.length);
                assertEquals(expected, received.length, "bytes after the upgrade");
                assertArrayEquals(sent, received, "bytes after the upgrade, in order");
                assertTrue(tl.call(childData::size) >= afterReply.length,
                        "the child's onData received the bytes sent after the reply");
            }
            tl.settle(5);
            assertEquals(0, firstContextDataAfterAdopt.get(), "first context's onData after adopt");
            assertEquals(0, wrongExt.get(), "child onData calls without the new extension");
            assertEquals(1, childCloses.get(), "child onClose after the peer closed");
            assertEquals(0, firstContextCloses.get(), "first context's onClose (adoption must not close)");
        }
    }

    // Plain only: the peer sends before the connection is adopted, and a TLS peer cannot send before
    // its handshake, which only the adopting context can answer (listed in Mode.PLAIN_ONLY).
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsPlainOnly")
    void preOpenReturningNullHandsTheConnectionToAnotherContext(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<NativeHandle> taken = new CompletableFuture<>();
            CompletableFuture<Object[]> backOpen = new CompletableFuture<>();
            AtomicInteger frontOpens = new AtomicInteger();
            SocketContext<Void, String> back = tl.call(() -> mode.context(tl.loop()));
            int port = tl.call(() -> {
                SocketContext<Void, Void> front = mode.context(tl.loop());
                front.onPreOpen((ctx, handle) -> {
                    taken.complete(handle);
                    return null;
                });
                front.onOpen((s, client) -> frontOpens.incrementAndGet());
                back.onOpen((s, client) -> backOpen.complete(new Object[] {client, s.ext()}));
                back.onData((s, data) -> s.write(data));
                return front.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                c.getOutputStream().write("sent before adoption|".getBytes(StandardCharsets.ISO_8859_1));
                NativeHandle handle = TestLoop.await(taken);
                boolean adoptedIt = false;
                try {
                    assertNotNull(handle, "onPreOpen's handle");
                    if (handle.isChannel()) {
                        assertTrue(handle.channel().isOpen(), "the channel offered in onPreOpen is open");
                    } else {
                        assertTrue(handle.descriptor() >= 0, "the descriptor offered in onPreOpen");
                    }
                    tl.settle(3);
                    assertEquals(0, frontOpens.get(), "onOpen of the context whose onPreOpen took the connection");
                    tl.run(() -> back.adoptAccepted(handle, "adopted"));
                    adoptedIt = true;
                } finally {
                    if (!adoptedIt && handle != null && handle.isChannel()) {
                        handle.channel().close();
                    }
                }
                Object[] open = TestLoop.await(backOpen);
                assertEquals(Boolean.FALSE, open[0], "onOpen's isClient for an adopted accepted connection");
                assertEquals("adopted", open[1], "the extension given to adoptAccepted");
                assertEquals("sent before adoption|", new String(JavaNetPeers.readExactly(c.getInputStream(), 21),
                        StandardCharsets.ISO_8859_1));
                assertEquals("and after", JavaNetPeers.roundTrip(c, "and after"));
            }
            assertEquals(0, frontOpens.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void preOpenReturningTheHandleKeepsTheConnection(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            AtomicInteger preOpens = new AtomicInteger();
            CompletableFuture<Boolean> opened = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onPreOpen((c, handle) -> {
                    preOpens.incrementAndGet();
                    return handle;
                });
                ctx.onOpen((s, client) -> opened.complete(client));
                ctx.onData((s, data) -> s.write(data));
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                assertFalse(TestLoop.await(opened), "onOpen's isClient");
                assertEquals("kept", JavaNetPeers.roundTrip(c, "kept"));
            }
            assertEquals(1, preOpens.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void contextAndSocketExtensionsCanBeReadAndReplaced(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<Object[]> seenInOpen = new CompletableFuture<>();
            SocketContext<StringBuilder, String> ctx = tl.call(() -> mode.context(tl.loop()));
            StringBuilder first = new StringBuilder("first");
            StringBuilder second = new StringBuilder("second");
            int port = tl.call(() -> {
                assertNull(ctx.ext(), "a new context's extension");
                ctx.setExt(first);
                assertSame(first, ctx.ext());
                ctx.setExt(second);
                assertSame(second, ctx.ext());
                SocketContext<StringBuilder, String> child = ctx.createChild();
                assertNull(child.ext(), "a child context's own extension");
                ctx.onOpen((s, client) -> {
                    String initial = s.ext();
                    s.setExt("mine");
                    seenInOpen.complete(new Object[] {s.context().ext(), initial, s.ext(), s.context() == ctx});
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket c = JavaNetPeers.client(mode, port)) {
                assertTrue(c.isConnected());
                Object[] seen = TestLoop.await(seenInOpen);
                assertSame(second, seen[0], "the context extension seen from a socket");
                assertNull(seen[1], "an accepted socket's initial extension");
                assertEquals("mine", seen[2], "the socket extension after setExt");
                assertEquals(Boolean.TRUE, seen[3], "socket.context() is its context");
            }
            assertSame(second, tl.call(ctx::ext));
        }
    }
}
