package io.usockets.tests;

import io.usockets.testsupport.TcpQueues;
import io.usockets.CloseCode;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.tests.Peer.End;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * close() is immediate and safe inside every callback (docs/RULES.md I5): onClose runs exactly once,
 * isClosed() is true from then on, the peer sees the end of the stream, a socket closed by another socket's callback
 * gets no further events, and every later call on a closed socket is a silent no-op (docs/RULES.md B2).
 */
class CloseInCallbackTest {

    /** Sets the callbacks that log every event and close the socket where the scenario says; the rest is shared. */
    private static SocketContext<Void, Void> serverContext(TestLoop tl, Mode mode, EventLog log,
            Consumer<SocketContext<Void, Void>> closeWhere) {
        SocketContext<Void, Void> ctx = mode.context(tl.loop());
        ctx.onOpen((s, isClient) -> log.add("open"))
                .onData((s, data) -> log.add("data"))
                .onWritable(s -> log.add("writable"))
                .onEnd(s -> log.add("end"))
                .onTimeout(s -> log.add("timeout"))
                .onClose((s, code, reason) -> log.add("close:" + code + ":isClosed=" + s.isClosed()));
        closeWhere.accept(ctx);
        return ctx;
    }

    /** Logs "closed:isClosed=…" right after closing, so the test sees the state inside the callback. */
    private static void closeAndLog(Socket<Void> s, EventLog log, String where, CloseCode code) {
        log.add(where);
        s.close(code, null);
        log.add("afterClose:isClosed=" + s.isClosed());
    }

    private static void assertClosedOnce(EventLog log, String where, CloseCode code) {
        assertEquals(1, log.count(where), "the closing callback ran once: " + log);
        assertEquals(1, log.count("close:"), "onClose exactly once: " + log);
        assertEquals(1, log.count("close:" + code + ":isClosed=true"), "onClose code and state: " + log);
        assertEquals(1, log.count("afterClose:isClosed=true"), "isClosed() right after close(): " + log);
        List<String> events = log.snapshot();
        int closeAt = events.indexOf(log.first(e -> e.startsWith("close:")));
        for (String later : events.subList(closeAt + 1, events.size())) {
            assertTrue(later.startsWith("afterClose:"), "event '" + later + "' after onClose: " + log);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closeInsideOnOpenCallsOnCloseOnceAndPeerSeesEnd(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            int port = tl.call(() -> serverContext(tl, mode, log, ctx -> ctx.onOpen((s, isClient) ->
                    closeAndLog(s, log, "open", CloseCode.NORMAL))).listen("127.0.0.1", 0).port());
            try (Peer peer = Peer.connect(mode, port)) {
                End end = peer.readEnd();
                assertNotNull(end);
            }
            log.await("close:", 1);
            tl.roundTrip();
            assertClosedOnce(log, "open", CloseCode.NORMAL);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closeInsideOnDataCallsOnCloseOnceAndDeliversNoMoreData(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            int port = tl.call(() -> serverContext(tl, mode, log, ctx -> ctx.onData((s, data) ->
                    closeAndLog(s, log, "data", CloseCode.NORMAL))).listen("127.0.0.1", 0).port());
            try (Peer peer = Peer.connect(mode, port)) {
                peer.write("first");
                End end = peer.readEnd();
                assertNotNull(end);
                try {
                    peer.write("second");
                } catch (java.io.IOException expected) {
                    // The socket is gone: writing may already fail with a reset.
                }
            }
            log.await("close:", 1);
            tl.roundTrip();
            assertClosedOnce(log, "data", CloseCode.NORMAL);
            assertEquals(1, log.count("open"), log.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closeInsideOnWritableCallsOnCloseOnce(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            int port = tl.call(() -> serverContext(tl, mode, log, ctx -> ctx.onOpen((s, isClient) -> {
                log.add("open");
                // Fill the kernel buffers until a write is short, so onWritable follows once the peer reads.
                ByteBuffer chunk = ByteBuffer.allocateDirect(1024 * 1024);
                for (int i = 0; i < 1024; i++) {
                    chunk.clear();
                    if (s.write(chunk, false) < chunk.capacity()) {
                        log.add("partial");
                        return;
                    }
                }
            }).onWritable(s -> closeAndLog(s, log, "writable", CloseCode.NORMAL))).listen("127.0.0.1", 0).port());
            try (Peer peer = Peer.connect(mode, port, 64 * 1024)) {
                log.await("partial", 1);
                long drained = peer.drainToEnd();
                assertTrue(drained != 0, "the peer read the data written before the close");
            }
            log.await("close:", 1);
            tl.roundTrip();
            assertClosedOnce(log, "writable", CloseCode.NORMAL);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closeInsideOnEndCallsOnCloseOnceAndPeerSeesEof(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            int port = tl.call(() -> serverContext(tl, mode, log, ctx -> ctx.onEnd(s ->
                    closeAndLog(s, log, "end", CloseCode.NORMAL))).listen("127.0.0.1", 0).port());
            try (Peer peer = Peer.connect(mode, port)) {
                peer.shutdownOutput();
                assertEquals(End.EOF, peer.readEnd(), "both directions finished in order");
            }
            log.await("close:", 1);
            tl.roundTrip();
            assertClosedOnce(log, "end", CloseCode.NORMAL);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closeInsideOnTimeoutCallsOnCloseOnceWithTheGivenCode(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            int port = tl.call(() -> serverContext(tl, mode, log, ctx -> ctx.onOpen((s, isClient) -> {
                log.add("open");
                s.timeout(1);
            }).onTimeout(s -> closeAndLog(s, log, "timeout", CloseCode.TIMED_OUT))).listen("127.0.0.1", 0).port());
            try (Peer peer = Peer.connect(mode, port)) {
                assertEquals(End.EOF, peer.readEnd(), "the timed-out socket closed");
            }
            log.await("close:", 1);
            tl.roundTrip();
            assertClosedOnce(log, "timeout", CloseCode.TIMED_OUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void closingSocketWhoseDataIsInTheSameReadyBatchSuppressesItsOnData(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend);
                ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(JavaNetPeers.loopback(), 0), 8);
            server.setSoTimeout((int) TestLoop.WAIT.toMillis());
            EventLog log = new EventLog();
            List<Socket<String>> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
            tl.run(() -> {
                SocketContext<Void, String> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> log.add("open:" + s.ext() + ":" + s.localPort()))
                        .onData((s, data) -> {
                            log.add("data:" + s.ext());
                            Socket<String> other = clients.get(0) == s ? clients.get(1) : clients.get(0);
                            if (!other.isClosed()) {
                                other.close();
                                log.add("closedOther:" + other.ext() + ":isClosed=" + other.isClosed());
                            }
                        })
                        .onClose((s, code, reason) -> log.add("close:" + s.ext() + ":" + code));
                Socket<String> a = ctx.connect("127.0.0.1", server.getLocalPort());
                a.setExt("A");
                Socket<String> b = ctx.connect("127.0.0.1", server.getLocalPort());
                b.setExt("B");
                clients.add(a);
                clients.add(b);
            });
            int wait = (int) TestLoop.WAIT.toMillis();
            try (Peer first = Peer.wrap(mode.accept(server, wait)); Peer second = Peer.wrap(mode.accept(server, wait))) {
                log.await("open:", 2);
                Map<Integer, String> nameByPort = new HashMap<>();
                for (String e : log.snapshot()) {
                    if (e.startsWith("open:")) {
                        String[] parts = e.split(":");
                        nameByPort.put(Integer.parseInt(parts[2]), parts[1]);
                    }
                }
                // Hold the loop inside a task while both peers send, so both sockets are ready in one poll.
                CountDownLatch holding = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                tl.loop().defer(() -> {
                    holding.countDown();
                    try {
                        release.await(TestLoop.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                TestLoop.await(holding);
                try {
                    // Both bytes wait at the us_* sockets before the loop polls again, so one poll reports both.
                    int serverPort = server.getLocalPort();
                    long firstBefore = TcpQueues.unread(first.raw().getPort(), serverPort);
                    long secondBefore = TcpQueues.unread(second.raw().getPort(), serverPort);
                    first.write("x");
                    second.write("y");
                    TcpQueues.awaitUnreadAbove(first.raw().getPort(), serverPort, firstBefore, "the first peer's byte");
                    TcpQueues.awaitUnreadAbove(second.raw().getPort(), serverPort, secondBefore,
                            "the second peer's byte");
                } finally {
                    release.countDown();
                }
                log.await("close:", 1);
                tl.roundTrip();
                tl.roundTrip();
                String firstData = log.first(e -> e.startsWith("data:"));
                assertNotNull(firstData, "no onData: " + log);
                String winner = firstData.substring(5);
                String loser = winner.equals("A") ? "B" : "A";
                assertEquals(1, log.count("closedOther:" + loser + ":isClosed=true"), log.toString());
                assertEquals(1, log.count("close:" + loser + ":NORMAL"), "the closed socket's onClose: " + log);
                assertEquals(0, log.count("data:" + loser), "onData after onClose of the same socket: " + log);
                assertEquals(1, log.count("data:" + winner), log.toString());
                Peer loserPeer = loser.equals(nameByPort.get(first.raw().getPort())) ? first : second;
                assertNotNull(loserPeer.readEnd(), "the closed socket's peer sees EOF or a reset");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void everyOperationOnAClosedSocketIsASilentNoOp(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            AtomicReference<Socket<Void>> closed = new AtomicReference<>();
            AtomicReference<SocketContext<Void, Void>> context = new AtomicReference<>();
            int port = tl.call(() -> {
                context.set(serverContext(tl, mode, log, ctx -> ctx.onOpen((s, isClient) -> {
                    s.close();
                    closed.set(s);
                    log.add("inCallback:" + noOpViolations(s));
                })));
                return context.get().listen("127.0.0.1", 0).port();
            });
            try (Peer peer = Peer.connect(mode, port)) {
                assertNotNull(peer.readEnd());
            }
            log.await("inCallback:", 1);
            tl.roundTrip();
            Socket<Void> s = closed.get();
            assertEquals(1, log.count("inCallback:[]"), "calls on a socket closed in this iteration: " + log);
            // Later iterations: the object was released by the loop, and every call is still a no-op.
            assertEquals("[]", tl.call(() -> noOpViolations(s)), "calls on a released socket");
            assertEquals("[]", tl.call(() -> noOpViolations(s)), "calls on a released socket, again");
            // timeout(1) on the closed socket above must never fire.
            Ticks.await(tl, context.get(), Ticks.ofSeconds(1) + 3);
            assertEquals(0, log.count("timeout"), "onTimeout of a closed socket: " + log);
            assertEquals(1, log.count("close:"), "onClose exactly once despite closing again: " + log);
            assertNull(tl.call(s::nativeHandle), "native handle of a closed socket");
        }
    }

    /** Calls everything on a closed socket; returns a description of each call that was not a silent no-op. */
    private static String noOpViolations(Socket<Void> s) {
        StringBuilder bad = new StringBuilder("[");
        try {
            ByteBuffer data = Buffers.ascii("payload");
            int n = s.write(data, false);
            if (n != 0 || data.position() != 0) {
                bad.append("write=").append(n).append(" position=").append(data.position()).append(' ');
            }
            n = s.write(new byte[] {1, 2, 3}, 0, 3, true);
            if (n != 0) {
                bad.append("writeArray=").append(n).append(' ');
            }
            ByteBuffer header = Buffers.ascii("h");
            ByteBuffer payload = Buffers.ascii("p");
            n = s.write2(header, payload);
            if (n != 0 || header.position() != 0 || payload.position() != 0) {
                bad.append("write2=").append(n).append(' ');
            }
            s.timeout(1);
            s.longTimeout(1);
            s.timeout(0);
            s.timeout(1);
            s.shutdown();
            s.shutdownRead();
            s.flush();
            s.pauseReading();
            s.resumeReading();
            if (s.localPort() != -1) {
                bad.append("localPort=").append(s.localPort()).append(' ');
            }
            if (s.remotePort() != -1) {
                bad.append("remotePort=").append(s.remotePort()).append(' ');
            }
            if (!s.isClosed()) {
                bad.append("isClosed=false ");
            }
            if (s.isEstablished()) {
                bad.append("isEstablished=true ");
            }
            if (s.isShutDown()) {
                bad.append("isShutDown=true ");
            }
            s.close();
            s.close(CloseCode.RESET, "again");
            s.closeConnecting();
        } catch (RuntimeException e) {
            bad.append("threw ").append(e);
        }
        return bad.append(']').toString().replace(" ]", "]");
    }
}
