package io.usockets.tests;

import io.usockets.Socket;
import io.usockets.SocketContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Echo and bulk transfer between a us_* server socket and a blocking java.net peer. */
class EchoTest {

    /** Bytes of each bulk transfer. */
    private static final long BULK = 64L * 1024 * 1024;

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void echoesSmallMessagesOverSeveralRoundTrips(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            AtomicInteger shortWrites = new AtomicInteger();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> log.add("open:" + isClient))
                        .onData((s, data) -> {
                            int wanted = data.remaining();
                            if (s.write(data) != wanted) {
                                shortWrites.incrementAndGet();
                            }
                        })
                        .onEnd(s -> {
                            log.add("end");
                            s.close();
                        })
                        .onClose((s, code, reason) -> log.add("close:" + code));
                return ctx.listen("127.0.0.1", 0).port();
            });
            assertTrue(port > 0, "listen port " + port);
            try (Peer peer = Peer.connect(mode, port)) {
                for (int i = 0; i < 20; i++) {
                    String message = "message " + i + " " + "x".repeat(i * 7);
                    peer.write(message);
                    assertEquals(message, peer.readAscii(message.length()), "echo of round trip " + i);
                }
                peer.shutdownOutput();
                assertEquals(Peer.End.EOF, peer.readEnd(), "after onEnd closed the socket");
            }
            log.await("close:", 1);
            tl.roundTrip();
            assertEquals(0, shortWrites.get(), "short writes of small echoes");
            assertEquals(1, log.count("open:false"), "accepted sockets open as servers: " + log);
            assertEquals(1, log.count("end"), "onEnd calls: " + log);
            assertEquals(1, log.count("close:NORMAL"), "onClose calls: " + log);
        }
    }

    /** Per-connection state of the bulk sender: lives on the loop thread, read by the test through tl.call. */
    private static final class Sender {
        long sent;
        int partialWrites;
        int positionErrors;
        int writableCalls;
        long sentFromOnWritable;
        boolean shutDown;
    }

    /** Writes the stream until the kernel takes less than asked, then waits for onWritable; shuts down at the end. */
    private static void pump(Socket<Sender> s, boolean fromWritable) {
        Sender st = s.ext();
        while (st.sent < BULK) {
            int offset = TestData.patternOffset(st.sent);
            int length = TestData.patternChunk(st.sent, BULK, 256 * 1024);
            ByteBuffer chunk = ByteBuffer.wrap(TestData.PATTERN, offset, length);
            int n = s.write(chunk, false);
            if (n < 0 || chunk.position() != offset + n) {
                st.positionErrors++;
            }
            st.sent += Math.max(n, 0);
            if (fromWritable) {
                st.sentFromOnWritable += Math.max(n, 0);
            }
            if (n < length) {
                st.partialWrites++;
                return;
            }
        }
        if (!st.shutDown) {
            st.shutDown = true;
            s.shutdown();
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void writesSixtyFourMegabytesToSlowReaderThroughPartialWritesAndOnWritable(String backend, Mode mode) throws Exception {
        byte[] expected = TestData.patternSha256(BULK);
        try (TestLoop tl = TestLoop.start(backend)) {
            AtomicReference<Sender> sender = new AtomicReference<>();
            EventLog log = new EventLog();
            int port = tl.call(() -> {
                SocketContext<Void, Sender> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> {
                    Sender st = new Sender();
                    sender.set(st);
                    s.setExt(st);
                    pump(s, false);
                }).onWritable(s -> {
                    s.ext().writableCalls++;
                    pump(s, true);
                }).onClose((s, code, reason) -> log.add("close:" + code));
                return ctx.listen("127.0.0.1", 0).port();
            });
            long received = 0;
            MessageDigest md = TestData.sha256();
            try (Peer peer = Peer.connect(mode, port, 64 * 1024)) {
                // Slow reader: read nothing until the sender has filled every buffer and got a partial write, so
                // the rest of the transfer has to go through onWritable.
                Waits.waitUntil(() -> tl.call(() -> sender.get() != null && sender.get().partialWrites > 0),
                        "the sender's first partial write");
                byte[] chunk = new byte[64 * 1024];
                int n;
                while ((n = peer.read(chunk)) >= 0) {
                    md.update(chunk, 0, n);
                    received += n;
                    if (received > BULK) {
                        break;
                    }
                }
            }
            log.await("close:", 1);
            Sender st = tl.call(sender::get);
            long sent = tl.call(() -> st.sent);
            int partial = tl.call(() -> st.partialWrites);
            int writable = tl.call(() -> st.writableCalls);
            long fromWritable = tl.call(() -> st.sentFromOnWritable);
            int positionErrors = tl.call(() -> st.positionErrors);
            assertEquals(BULK, sent, "bytes the us_* side wrote");
            assertEquals(BULK, received, "bytes the peer read before EOF");
            assertTrue(partial >= 1, "write never returned a partial count");
            assertTrue(writable >= 1, "onWritable never fired");
            assertTrue(fromWritable > 0, "onWritable did not continue the transfer");
            assertEquals(0, positionErrors, "writes whose position did not advance by the returned count");
            assertEquals(TestData.hex(expected), TestData.hex(md.digest()), "SHA-256 of the received stream");
            assertEquals(1, log.count("close:NORMAL"), "our shutdown then the peer's FIN closes once: " + log);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void receivesSixtyFourMegabytesFromPeerIntact(String backend, Mode mode) throws Exception {
        byte[] expected = TestData.patternSha256(BULK);
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<byte[]> digestAtEnd = new CompletableFuture<>();
            long[] received = new long[1];
            int[] emptyDataCalls = new int[1];
            MessageDigest md = TestData.sha256();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onData((s, data) -> {
                    if (!data.hasRemaining()) {
                        emptyDataCalls[0]++;
                    }
                    received[0] += data.remaining();
                    md.update(data);
                }).onEnd(s -> {
                    digestAtEnd.complete(md.digest());
                    s.close();
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (Peer peer = Peer.connect(mode, port)) {
                CompletableFuture<Void> written = new CompletableFuture<>();
                Thread writer = new Thread(() -> {
                    try {
                        long position = 0;
                        while (position < BULK) {
                            int len = TestData.patternChunk(position, BULK, 128 * 1024);
                            peer.write(TestData.PATTERN, TestData.patternOffset(position), len);
                            position += len;
                        }
                        peer.shutdownOutput();
                        written.complete(null);
                    } catch (Throwable t) {
                        written.completeExceptionally(t);
                    }
                }, "bulk-writer");
                writer.setDaemon(true);
                writer.start();
                TestLoop.await(written);
                byte[] digest = TestLoop.await(digestAtEnd);
                assertEquals(Peer.End.EOF, peer.readEnd(), "the socket closed in onEnd");
                Waits.join(writer);
                assertEquals(TestData.hex(expected), TestData.hex(digest), "SHA-256 of what onData saw");
            }
            assertEquals(BULK, (long) tl.call(() -> received[0]), "bytes delivered to onData");
            assertEquals(0, (int) tl.call(() -> emptyDataCalls[0]), "onData calls with zero bytes");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void zeroLengthWriteReturnsZeroAndSocketKeepsWorking(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<int[]> results = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> {
                    ByteBuffer empty = ByteBuffer.allocate(0);
                    ByteBuffer emptyDirect = ByteBuffer.allocateDirect(16).limit(0);
                    int a = s.write(empty, false);
                    int b = s.write(emptyDirect, true);
                    int c = s.write(new byte[8], 3, 0, false);
                    int d = s.write2(ByteBuffer.allocate(0), ByteBuffer.allocate(0));
                    int e = s.write(Buffers.ascii("still-ok"), false);
                    results.complete(new int[] {a, b, c, d, e, s.isClosed() ? 1 : 0});
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (Peer peer = Peer.connect(mode, port)) {
                int[] r = TestLoop.await(results);
                assertEquals(0, r[0], "write of an empty heap buffer");
                assertEquals(0, r[1], "write of an empty direct buffer with msgMore");
                assertEquals(0, r[2], "write of zero bytes of an array");
                assertEquals(0, r[3], "write2 of two empty buffers");
                assertEquals(8, r[4], "write after the empty writes");
                assertEquals(0, r[5], "socket closed by an empty write");
                assertEquals("still-ok", peer.readAscii(8), "bytes after the empty writes");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void write2DeliversHeaderThenPayloadAndAdvancesBothPositions(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<int[]> results = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> {
                    // Positions that do not start at zero: write2 must honour them and advance both.
                    ByteBuffer header = Buffers.ascii("##HEAD:");
                    header.position(2);
                    ByteBuffer payload = ByteBuffer.allocateDirect(32);
                    payload.put("~~payload-bytes".getBytes(StandardCharsets.US_ASCII)).flip().position(2);
                    int n = s.write2(header, payload);
                    results.complete(new int[] {n, header.position(), header.remaining(), payload.position(),
                        payload.remaining()});
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (Peer peer = Peer.connect(mode, port)) {
                int[] r = TestLoop.await(results);
                assertEquals(5 + 13, r[0], "write2 count");
                assertEquals(7, r[1], "header position after write2");
                assertEquals(0, r[2], "header remaining after write2");
                assertEquals(15, r[3], "payload position after write2");
                assertEquals(0, r[4], "payload remaining after write2");
                assertEquals("HEAD:payload-bytes", peer.readAscii(18), "header then payload on the wire");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void byteArrayWriteWithMsgMoreThenFlushDelivers(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<int[]> results = new CompletableFuture<>();
            AtomicReference<Throwable> badRange = new AtomicReference<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, isClient) -> {
                    byte[] array = "XXhello, YYworld!ZZ".getBytes(StandardCharsets.US_ASCII);
                    int a = s.write(array, 2, 7, true);
                    int b = s.write(array, 11, 6, true);
                    s.flush();
                    try {
                        s.write(array, 15, 10, false);
                    } catch (RuntimeException e) {
                        badRange.set(e);
                    }
                    results.complete(new int[] {a, b});
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (Peer peer = Peer.connect(mode, port)) {
                int[] r = TestLoop.await(results);
                assertEquals(7, r[0], "first corked array write");
                assertEquals(6, r[1], "second corked array write");
                assertEquals("hello, world!", peer.readAscii(13), "bytes after flush");
                Throwable e = badRange.get();
                assertTrue(e instanceof IllegalArgumentException || e instanceof IndexOutOfBoundsException,
                        "offset 15 + length 10 beyond a 19-byte array must be rejected, got " + e);
            }
        }
    }
}
