package io.usockets.tests;

import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.SocketContext;
import io.usockets.Timer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the io_uring backend promises beyond the suite (docs/ARCHITECTURE.md, "The io_uring backend"): its ring's one
 * thread, and both ways its stream sockets read besides RECV completions into the receive ring (which the whole suite
 * runs): by readiness once the ring ran dry, and by readiness throughout when asked. Skipped where io_uring does not
 * load.
 */
class UringBackendTest {

    private static final String BACKEND = UringLoops.BACKEND;
    private static final String RING_BUFFERS = "usockets.uring.ringBuffers";
    private static final String READS = "usockets.uring.reads";

    @BeforeAll
    static void ioUringLoads() {
        assumeTrue(Loop.availableBackends().contains(BACKEND), "io_uring does not load here");
    }

    @Test
    void aLoopKeepsTheThreadThatFirstRanIt() throws Exception {
        AtomicReference<Loop> created = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        CountDownLatch refused = new CountDownLatch(1);
        Thread first = new Thread(() -> {
            try {
                Loop loop = Loop.create(LoopOptions.builder().backend(BACKEND).build());
                created.set(loop);
                // One timer that closes itself: run() waits once on the ring, which makes this thread its issuer.
                Timer<Void> timer = loop.createTimer(false);
                timer.set(Timer::close, 1, 0);
                loop.run();
                ran.countDown();
                TestLoop.await(refused);
                loop.free();
            } catch (Throwable t) {
                failure.set(t);
                ran.countDown();
            }
        }, "uring-first-runner");
        first.start();
        TestLoop.await(ran);
        try {
            assertEquals(null, failure.get(), "[io_uring] the first run");
            CompletableFuture<Throwable> second = new CompletableFuture<>();
            Thread other = new Thread(() -> {
                try {
                    created.get().run();
                    second.complete(null);
                } catch (Throwable t) {
                    second.complete(t);
                }
            }, "uring-second-runner");
            other.start();
            Throwable t = TestLoop.await(second);
            assertTrue(t instanceof IllegalStateException, "[io_uring] run() on another thread: " + t);
            assertTrue(t.getMessage().contains("uring-first-runner") && t.getMessage().contains("uring-second-runner"),
                    "[io_uring] the refusal names both threads: " + t.getMessage());
        } finally {
            refused.countDown();
            first.join(TestLoop.WAIT.toMillis());
        }
        assertEquals(null, failure.get(), "[io_uring] freeing on the thread that ran it");
        assertTrue(created.get().isFreed(), "[io_uring] the loop was freed by its thread");
    }

    @Test
    void aBadReceiveRingSizeFailsTheLoopsCreationAndSaysWhy() {
        UringLoops.assertCreationRefused(RING_BUFFERS, "3", "power of two");
    }

    /**
     * A ring of two 4 KiB buffers runs dry at once under 4 MiB from each of three peers: every socket falls back to
     * reading by readiness after what its queue held, and every byte arrives in order, then each peer's FIN.
     */
    @Test
    void aReceiveRingThatRunsDryFallsBackToReadinessWithoutLosingBytes() throws Exception {
        echoesBulkAndHalfClose(RING_BUFFERS, "2", 2);
    }

    /** The readiness route ({@code -Dusockets.uring.reads=poll}: a multishot poll and a recv per arrival) still serves. */
    @Test
    void readsByReadinessWhenAskedForThem() throws Exception {
        echoesBulkAndHalfClose(READS, "poll", 0);
    }

    /**
     * Three peers each send 4 MiB and half-close; the server echoes everything and closes after each FIN. The loop is
     * created with {@code -Dproperty=value}, and its receive ring must have {@code ringBuffers} buffers (0: no ring,
     * reads by readiness).
     */
    private static void echoesBulkAndHalfClose(String property, String value, int ringBuffers) throws Exception {
        int peers = 3;
        int size = 4 * 1024 * 1024;
        TestLoop tl = UringLoops.startWith(property, value);
        String what = "[io_uring, -D" + property + "=" + value + "] ";
        try (tl) {
            assertEquals(ringBuffers, receiveRingBuffers(tl.loop()), what + "buffers in the loop's receive ring");
            int port = tl.call(() -> {
                SocketContext<Void, Backlog> ctx = tl.loop().createSocketContext();
                ctx.onOpen((s, client) -> s.setExt(new Backlog()));
                ctx.onData((s, data) -> {
                    s.write(data); // advances data past what was taken
                    if (data.hasRemaining()) {
                        // The peer's window is full: keep the rest and read no more until it is written.
                        s.ext().rest = Buffers.copy(data);
                        s.pauseReading();
                    }
                });
                ctx.onWritable(s -> {
                    Backlog b = s.ext();
                    if (b.rest != null) {
                        java.nio.ByteBuffer rest = java.nio.ByteBuffer.wrap(b.rest, b.written, b.rest.length - b.written);
                        b.written += s.write(rest);
                        if (b.written == b.rest.length) {
                            b.rest = null;
                            b.written = 0;
                            s.resumeReading();
                        }
                    }
                });
                ctx.onEnd(s -> s.close());
                return ctx.listen("127.0.0.1", 0).port();
            });
            CompletableFuture<?>[] done = new CompletableFuture<?>[peers];
            for (int p = 0; p < peers; p++) {
                byte[] payload = TestData.pattern(size, p);
                done[p] = CompletableFuture.runAsync(() -> bulkEcho(port, payload, what));
            }
            for (CompletableFuture<?> d : done) {
                TestLoop.await(d);
            }
        }
    }

    /** What an echoing socket could not write yet. */
    private static final class Backlog {
        byte[] rest;
        int written;
    }

    /** Sends {@code payload} from one thread while reading the echo on this one, then half-closes and waits for EOF. */
    private static void bulkEcho(int port, byte[] payload, String what) {
        try (java.net.Socket peer = JavaNetPeers.client(port)) {
            OutputStream out = peer.getOutputStream();
            InputStream in = peer.getInputStream();
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    for (int off = 0; off < payload.length; off += 64 * 1024) {
                        out.write(payload, off, Math.min(64 * 1024, payload.length - off));
                    }
                    peer.shutdownOutput();
                } catch (Exception e) {
                    throw new AssertionError(what + "sending", e);
                }
            });
            ByteArrayOutputStream echoed = new ByteArrayOutputStream(payload.length);
            byte[] chunk = new byte[64 * 1024];
            for (int n; (n = in.read(chunk)) > 0; ) {
                echoed.write(chunk, 0, n);
            }
            TestLoop.await(sent);
            assertArrayEquals(payload, echoed.toByteArray(), what + "the echo, then the server's close after our FIN");
        } catch (Exception e) {
            throw new AssertionError(what + "a peer failed", e);
        }
    }

    /** The buffer count of the loop's receive ring, read from the backend's fields; 0 when it has none. */
    private static int receiveRingBuffers(Loop loop) {
        Object ring = UringLoops.field(UringLoops.eventing(loop), "receiveRing");
        return ring == null ? 0 : (int) UringLoops.field(ring, "buffers");
    }
}
