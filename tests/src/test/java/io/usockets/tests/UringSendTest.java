package io.usockets.tests;

import io.usockets.Loop;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.Timer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the io_uring backend's send area promises (docs/ARCHITECTURE.md, "Writes by SEND requests"): small writes are
 * copied and leave as SEND requests with the next wait; a full area makes a write short and WRITABLE follows the send;
 * the bytes it took reach the peer in order, before the FIN, even when the socket closed or shut down while the kernel
 * had no room for them; and a loop is freed while such a send still waits. The whole suite runs on io_uring with the
 * area too. Skipped where io_uring does not load.
 */
class UringSendTest {

    private static final String BACKEND = UringLoops.BACKEND;
    private static final String CHUNKS = "usockets.uring.sendChunks";
    private static final int SMALL = 100;
    private static final int LARGE = 64 * 1024;

    @BeforeAll
    static void ioUringLoads() {
        assumeTrue(Loop.availableBackends().contains(BACKEND), "io_uring does not load here");
    }

    @Test
    void aBadSendAreaSizeFailsTheLoopsCreationAndSaysWhy() {
        UringLoops.assertCreationRefused(CHUNKS, "-1", "chunk count");
    }

    /**
     * An area of one chunk and two sockets writing 512 KiB each in 100-byte writes: a socket that takes the chunk fills
     * it, goes short and resumes on WRITABLE after its send; the other's writes, while the chunk is taken, find none
     * free and go by system call. Each peer gets its stream whole and in order, then the FIN.
     */
    @Test
    void smallWritesLeaveBySendRequestsInOrderAndAFullAreaMakesThemShort() throws Exception {
        long total = 512 * 1024;
        int peers = 2;
        TestLoop tl = UringLoops.startWith(CHUNKS, "1");
        AtomicLong shorts = new AtomicLong();
        try (tl) {
            int port = tl.call(() -> {
                SocketContext<Void, Writer> ctx = tl.loop().createSocketContext();
                ctx.onOpen((s, client) -> {
                    s.setExt(new Writer(total, SMALL));
                    pump(s);
                });
                ctx.onWritable(s -> {
                    shorts.incrementAndGet(); // (WRITABLE is wanted only after a short write)
                    pump(s);
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            CompletableFuture<?>[] read = new CompletableFuture<?>[peers];
            for (int p = 0; p < peers; p++) {
                read[p] = CompletableFuture.runAsync(() -> connectAndRead(port, total, "[io_uring, one chunk] "));
            }
            for (CompletableFuture<?> r : read) {
                TestLoop.await(r);
            }
            tl.roundTrip();
            long sends = tl.call(() -> (Long) UringLoops.field(UringLoops.eventing(tl.loop()), "sends"));
            assertTrue(sends >= 1, "[io_uring, one chunk] SEND requests: " + sends);
            assertTrue(shorts.get() >= 1, "[io_uring, one chunk] short writes (the chunk holds 4 KiB)");
            assertEquals(0, (int) tl.call(() -> UringLoops.call(UringLoops.field(UringLoops.eventing(tl.loop()),
                            "sendArea"), "inUse")),
                    "[io_uring, one chunk] chunks in use once every send completed");
        }
    }

    /**
     * Writes of 64 KiB by system call until the kernel has no room, then a 100-byte write, which the area takes; then
     * the socket closes, in the same callback (the chunk is still open: its send is submitted before the descriptor
     * closes) or on a later iteration (its send was submitted and waits). The peer, reading only then, gets every
     * byte the writes took, then the FIN.
     */
    @Test
    void bytesTheAreaTookWhileTheKernelWasFullArriveAfterACloseInTheSameCallback() throws Exception {
        fillThenEnd(false, false);
    }

    @Test
    void bytesTheAreaTookWhileTheKernelWasFullArriveAfterACloseOnALaterIteration() throws Exception {
        fillThenEnd(true, false);
    }

    /**
     * The same with shutdown instead of close: the FIN follows the bytes the area holds, and the socket still reads
     * what the peer sends after it.
     */
    @Test
    void theFinFollowsTheBytesTheAreaHoldsAfterAShutdownInTheSameCallback() throws Exception {
        fillThenEnd(false, true);
    }

    @Test
    void theFinFollowsTheBytesTheAreaHoldsAfterAShutdownOnALaterIteration() throws Exception {
        fillThenEnd(true, true);
    }

    private static void fillThenEnd(boolean later, boolean shutdown) throws Exception {
        String what = "[io_uring, " + (shutdown ? "shutdown" : "close") + (later ? " later" : " at once") + "] ";
        try (TestLoop tl = TestLoop.start(BACKEND)) {
            AtomicLong written = new AtomicLong();
            CompletableFuture<Integer> tail = new CompletableFuture<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            CompletableFuture<Byte> heard = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Writer> ctx = tl.loop().createSocketContext();
                ctx.onOpen((s, client) -> {
                    Writer w = new Writer(Long.MAX_VALUE, LARGE);
                    s.setExt(w);
                    pump(s); // until the kernel takes no more (writes of 64 KiB go by system call)
                    int taken = s.write(w.stream(SMALL), 0, SMALL, false);
                    w.position += taken;
                    written.set(w.position);
                    tail.complete(taken);
                    if (!later) {
                        end(s, shutdown, ended);
                        return;
                    }
                    Timer<Void> timer = tl.loop().createTimer(false);
                    timer.set(t -> {
                        t.close();
                        end(s, shutdown, ended);
                    }, 1, 0);
                });
                ctx.onData((s, data) -> heard.complete(data.get(data.position())));
                return ctx.listen("127.0.0.1", 0).port();
            });
            CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
                try (SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                    TestLoop.await(ended);
                    readsStreamThenEnd(channel, written.get(), what);
                    if (shutdown) {
                        channel.write(ByteBuffer.wrap(new byte[] {42}));
                        assertEquals((byte) 42, TestLoop.await(heard), what + "the byte sent after the server's FIN");
                    }
                } catch (IOException e) {
                    throw new AssertionError(what + "the peer failed", e);
                }
            });
            assertEquals(SMALL, TestLoop.await(tail), what + "the 100-byte write after the kernel was full");
            TestLoop.await(peer);
        }
    }

    private static void end(Socket<Writer> s, boolean shutdown, CompletableFuture<Void> ended) {
        if (shutdown) {
            s.shutdown();
        } else {
            s.close();
        }
        ended.complete(null);
    }

    /**
     * A socket closes while its send waits for a peer that never reads; freeing the loop then ends that send and
     * closes everything (the peer's descriptor is open before the loop starts, so the leak check counts it once).
     */
    @Test
    void aLoopIsFreedWhileASendWaitsForAPeerThatNeverReads() throws Exception {
        try (SocketChannel peer = SocketChannel.open()) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            try (TestLoop tl = TestLoop.start(BACKEND)) {
                int port = tl.call(() -> {
                    SocketContext<Void, Writer> ctx = tl.loop().createSocketContext();
                    ctx.onOpen((s, client) -> {
                        Writer w = new Writer(Long.MAX_VALUE, LARGE);
                        s.setExt(w);
                        pump(s);
                        s.write(w.stream(SMALL), 0, SMALL, false);
                        Timer<Void> timer = tl.loop().createTimer(false);
                        timer.set(t -> {
                            t.close();
                            s.close();
                        }, 1, 0);
                    });
                    ctx.onClose((s, code, reason) -> closed.complete(null));
                    return ctx.listen("127.0.0.1", 0).port();
                });
                peer.connect(new InetSocketAddress("127.0.0.1", port));
                TestLoop.await(closed);
            }
        }
    }

    /**
     * Writes the pattern stream in pieces of the writer's size (the last may be smaller) until a write takes less than
     * its piece, or all is sent (then closes).
     */
    private static void pump(Socket<Writer> s) {
        Writer w = s.ext();
        while (w.position < w.total) {
            int length = (int) Math.min(w.piece, w.total - w.position);
            int taken = s.write(w.stream(length), 0, length, false);
            w.position += taken;
            if (taken < length) {
                return;
            }
        }
        if (w.total != Long.MAX_VALUE) {
            s.close();
        }
    }

    /** A socket's place in the pattern stream. */
    private static final class Writer {
        final long total;
        final int piece;
        final byte[] scratch;
        long position;

        Writer(long total, int piece) {
            this.total = total;
            this.piece = piece;
            scratch = new byte[piece];
        }

        /** The next {@code length} bytes of the stream from {@link #position}, in the scratch array. */
        byte[] stream(int length) {
            for (int done = 0; done < length; ) {
                int n = TestData.patternChunk(position + done, position + length, length - done);
                System.arraycopy(TestData.PATTERN, TestData.patternOffset(position + done), scratch, done, n);
                done += n;
            }
            return scratch;
        }
    }

    private static void connectAndRead(int port, long total, String what) {
        try (SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            readsStreamThenEnd(channel, total, what);
        } catch (IOException e) {
            throw new AssertionError(what + "a peer failed", e);
        }
    }

    /** Reads until the end of the stream and checks it is the first {@code total} bytes of the pattern stream. */
    private static void readsStreamThenEnd(SocketChannel channel, long total, String what) throws IOException {
        MessageDigest md = TestData.sha256();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long read = 0;
        for (int n; (n = channel.read(buffer.clear())) >= 0; ) {
            md.update(buffer.array(), 0, n);
            read += n;
        }
        assertEquals(total, read, what + "bytes before the end of the stream");
        assertArrayEquals(TestData.patternSha256(total), md.digest(), what + "the stream's SHA-256");
    }
}
