package io.usockets.tests;

import io.usockets.ListenSocket;
import io.usockets.SocketContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The steady-state read/write path allocates nothing on the loop thread (docs/RULES.md I3, I4), plain and TLS (decrypt,
 * onData, seal, write): the loop thread's allocated bytes are read around a window of echo round trips after warm-up
 * and must stay under 1 KiB.
 *
 * <p>The JVM counts a thread's allocated bytes exactly, so the window only has to be long enough for an allocation
 * to show: one allocation on the path (16 bytes at least) every 1 560 round trips already exceeds the budget in the
 * window of 100 000; under {@code -Plong} ({@code -Dallocation.roundTrips=1000000}) one every 15 600. The round
 * trips come from {@value #PEERS} peers at once, each on its own connection and thread with one message in flight,
 * so the loop thread handles the same read and write per round trip as with one peer, while the wakeups and
 * context switches of the peers overlap: that, not a shorter window, is what keeps the class short.
 *
 * <p>On io_uring, Netty's handler allocates a 16-byte callback per wait (one loop iteration), which is counted with
 * {@code Loop.iterationNumber()} and left out; everything else must stay under the same budget.
 */
class AllocationTest {

    private static final int WARM_UP = Integer.getInteger("allocation.warmUp", 20_000);
    private static final int ROUND_TRIPS = Integer.getInteger("allocation.roundTrips", 100_000);
    /** Connections echoing at once, each driven by its own thread. */
    private static final int PEERS = Integer.getInteger("allocation.peers", 4);
    private static final long BUDGET_BYTES = 1024;
    /**
     * Measured windows before failing. A deoptimization of the running loop's compiled frames (another test class
     * loading code into this JVM can trigger one), or code not yet compiled by the last JIT tier, re-materialises
     * objects the JIT had scalar-replaced, a few hundred bytes once; an allocation on the read/write path costs at
     * least 16 bytes per round trip, 1.6 MB per window, so it fails every window.
     */
    private static final int ATTEMPTS = 4;

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void echoRoundTripsAllocateNothingOnTheLoopThread(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onData((s, data) -> s.write(data, false));
                return ctx.listen("127.0.0.1", 0);
            });
            List<Socket> peers = new ArrayList<>();
            try {
                for (int i = 0; i < PEERS; i++) {
                    peers.add(mode.connect(new java.net.InetSocketAddress("127.0.0.1", ls.port()), 0,
                            (int) TestLoop.WAIT.toMillis()));
                }
                echo(peers, WARM_UP);
                List<Long> windows = new ArrayList<>();
                for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                    // io_uring: nothing beyond Netty's handler's 16 bytes per wait may be allocated.
                    LoopAllocation window = LoopAllocation.measure(tl, backend, () -> echo(peers, ROUND_TRIPS));
                    windows.add(window.allocated);
                    System.out.printf("[%s, %s] loop thread allocated %d bytes over %d echo round trips%s%n", backend,
                            mode, window.allocated, ROUND_TRIPS, window.detail());
                    if (window.ours < BUDGET_BYTES) {
                        return;
                    }
                }
                fail("the loop thread allocated " + windows + " bytes in " + ATTEMPTS + " windows of " + ROUND_TRIPS
                        + " round trips; expected under " + BUDGET_BYTES + LoopAllocation.budgetNote(backend)
                        + " in at least one");
            } finally {
                for (Socket peer : peers) {
                    peer.close();
                }
            }
        }
    }

    /** {@code total} echo round trips spread over the peers, each peer on its own thread; the first failure throws. */
    private static void echo(List<Socket> peers, int total) throws Exception {
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int p = 0; p < peers.size(); p++) {
            Socket peer = peers.get(p);
            int times = total / peers.size() + (p < total % peers.size() ? 1 : 0);
            Thread t = new Thread(() -> {
                try {
                    byte[] message = "0123456789abcdef".getBytes();
                    echo(peer.getOutputStream(), peer.getInputStream(), message, new byte[message.length], times);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "allocation-peer-" + p);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("an echo peer failed: " + failure.get(), failure.get());
        }
    }

    private static void echo(OutputStream out, InputStream in, byte[] message, byte[] reply, int times)
            throws Exception {
        for (int i = 0; i < times; i++) {
            message[15] = (byte) i;
            out.write(message);
            out.flush();
            int got = 0;
            while (got < reply.length) {
                int n = in.read(reply, got, reply.length - got);
                assertTrue(n > 0, "connection ended");
                got += n;
            }
            assertArrayEquals(message, reply, "the echo");
        }
    }
}
