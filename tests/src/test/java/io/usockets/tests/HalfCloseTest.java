package io.usockets.tests;

import io.usockets.SocketContext;
import io.usockets.tests.Peer.End;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Half-close in both directions (µSockets' on_end and us_socket_shutdown), against a java.net peer. */
class HalfCloseTest {

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void peerHalfCloseCallsOnEndAndSocketCanStillWriteBack(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            StringBuilder received = new StringBuilder();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onData((s, data) -> {
                    received.append(Buffers.ascii(data));
                    log.add("data");
                }).onEnd(s -> {
                    log.add("end:closed=" + s.isClosed() + ":shutDown=" + s.isShutDown());
                    String reply = "got " + received;
                    log.add("wrote:" + s.write(Buffers.ascii(reply)) + "/" + reply.length());
                    s.close();
                    log.add("afterClose:closed=" + s.isClosed());
                }).onClose((s, code, reason) -> log.add("close:" + code));
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (Peer peer = Peer.connect(mode, port)) {
                peer.write("request");
                peer.shutdownOutput();
                assertEquals("got request", peer.readAscii(11), "what the socket wrote after onEnd");
                assertEquals(End.EOF, peer.readEnd(), "after the reply");
            }
            // onEnd logs afterClose: once close() has returned, after onClose: wait for that event itself, then
            // for a round trip through the loop before counting.
            log.await("afterClose:", 1);
            tl.roundTrip();
            assertEquals(1, log.count("end:closed=false:shutDown=false"), "onEnd once on an open socket: " + log);
            assertEquals(1, log.count("wrote:11/11"), "write inside onEnd: " + log);
            assertEquals(1, log.count("afterClose:closed=true"), log.toString());
            assertEquals(1, log.count("close:NORMAL"), "onClose once: " + log);
            assertEquals(1, log.count("close:"), "onClose once: " + log);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void ourShutdownGivesPeerEofThenPeerFinClosesOurSocket(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            CompletableFuture<io.usockets.Socket<Void>> accepted = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> {
                    log.add("wrote:" + s.write(Buffers.ascii("data")));
                    log.add("before:" + s.isShutDown());
                    s.shutdown();
                    log.add("after:" + s.isShutDown() + ":closed=" + s.isClosed());
                    accepted.complete(s);
                }).onData((s, data) -> log.add("data:" + Buffers.ascii(data)))
                        .onEnd(s -> log.add("end"))
                        .onClose((s, code, reason) -> log.add("close:" + code));
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (Peer peer = Peer.connect(mode, port)) {
                assertEquals("data", peer.readAscii(4), "bytes written before shutdown");
                assertEquals(End.EOF, peer.readEnd(), "our shutdown reaches the peer as EOF");
                io.usockets.Socket<Void> s = TestLoop.await(accepted);
                // Our read side is still open: the peer can send before its own FIN.
                peer.write("late");
                log.await("data:", 1);
                assertEquals("false", tl.call(() -> String.valueOf(s.isClosed())), "closed before the peer's FIN");
                peer.shutdownOutput();
                log.await("close:", 1);
                assertEquals("true", tl.call(() -> String.valueOf(s.isClosed())), "isClosed after the peer's FIN");
            }
            tl.roundTrip();
            assertEquals(1, log.count("wrote:4"), log.toString());
            assertEquals(1, log.count("before:false"), "isShutDown before shutdown(): " + log);
            assertEquals(1, log.count("after:true:closed=false"), "isShutDown after shutdown(): " + log);
            assertEquals("late", String.join("", log.snapshot().stream().filter(e -> e.startsWith("data:"))
                    .map(e -> e.substring(5)).toList()), "data read after our shutdown: " + log);
            assertEquals(0, log.count("end"), "a FIN after our shutdown closes without onEnd: " + log);
            assertEquals(1, log.count("close:"), "onClose once: " + log);
            assertEquals(1, log.count("close:NORMAL"), "onClose code: " + log);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void shutdownTwiceIsHarmlessAndIsShutDownReflectsIt(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> {
                    log.add("initially:" + s.isShutDown());
                    s.shutdown();
                    log.add("once:" + s.isShutDown());
                    s.shutdown();
                    log.add("twice:" + s.isShutDown() + ":closed=" + s.isClosed());
                    // µSockets: a write on a shut-down socket takes nothing.
                    log.add("writeAfterShutdown:" + s.write(Buffers.ascii("ignored")));
                }).onClose((s, code, reason) -> log.add("close:" + code));
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (Peer peer = Peer.connect(mode, port)) {
                assertEquals(End.EOF, peer.readEnd(), "one FIN and no data after two shutdowns");
            }
            log.await("close:", 1);
            tl.roundTrip();
            assertEquals(1, log.count("initially:false"), log.toString());
            assertEquals(1, log.count("once:true"), log.toString());
            assertEquals(1, log.count("twice:true:closed=false"), log.toString());
            assertEquals(1, log.count("writeAfterShutdown:0"), log.toString());
            assertEquals(1, log.count("close:"), "the peer's close ends the socket once: " + log);
        }
    }
}
