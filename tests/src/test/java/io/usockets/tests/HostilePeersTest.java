package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.ListenOptions;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.Timer;
import io.usockets.tests.tls.TlsSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile peers (issue 15, part 5), on every backend, plain and TLS: connections that never send a byte, a client
 * that drips one byte per tick, and a peer that stops reading while we write 100 MiB. (The half-open TLS handshake
 * flood is {@code tls.HalfOpenFloodTest}; random bytes and truncated or oversized TLS records are
 * {@code tls.BadInputTest}.) Times are counted in sweep ticks of the test loops (100 ms), never slept.
 */
class HostilePeersTest {

    /** Never-sending connections per case: 1 000 in CI, 5 000 with {@code -Dhostile.idle=5000} (-Plong). */
    static final int IDLE = Integer.getInteger("hostile.idle", 1000);
    /** The idle timeout of the server, and the TLS handshake timeout, in seconds (20 test ticks). */
    static final int IDLE_SECONDS = 2;
    static final long TOTAL = 100L * 1024 * 1024;

    /** A server context of {@code mode} whose TLS handshakes time out after {@link #IDLE_SECONDS}. */
    private static <S> SocketContext<Void, S> serverContext(Loop loop, Mode mode) {
        return mode == Mode.PLAIN ? loop.createSocketContext()
                : loop.createSocketContext(TlsSupport.serverOptions().withHandshakeTimeout(IDLE_SECONDS));
    }

    /** Echoes a few messages through {@code port} with a java.net peer of {@code mode}. */
    private static void echo(Mode mode, int port, int times) throws Exception {
        try (java.net.Socket peer = mode.connect(new InetSocketAddress("127.0.0.1", port), 0,
                (int) TestLoop.WAIT.toMillis())) {
            OutputStream out = peer.getOutputStream();
            InputStream in = peer.getInputStream();
            for (int i = 0; i < times; i++) {
                byte[] message = ("served " + i).getBytes();
                out.write(message);
                out.flush();
                assertEquals(new String(message), new String(in.readNBytes(message.length)), "echo " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void neverSendingConnectionsAreReclaimedByTimeoutsWhileOthersAreServed(String backend, Mode mode)
            throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        AtomicInteger otherCloses = new AtomicInteger();
        AtomicInteger idleAliveWhenServed = new AtomicInteger(-1);
        AtomicInteger clientCloses = new AtomicInteger();
        CountDownLatch allClientsClosed = new CountDownLatch(IDLE);
        // The client loop is made first and closed last, so each loop's leak gate sees only its own descriptors.
        try (TestLoop clients = TestLoop.start(backend); TestLoop server = TestLoop.start(backend)) {
            ListenSocket ls = server.call(() -> {
                SocketContext<Void, Boolean> ctx = serverContext(server.loop(), mode);
                ctx.onPreOpen((c, handle) -> {
                    accepted.incrementAndGet();
                    return handle;
                });
                ctx.onOpen((s, isClient) -> {
                    s.timeout(IDLE_SECONDS);
                    s.setExt(Boolean.FALSE);
                });
                ctx.onData((s, data) -> {
                    // The served peer: mark it, and count the idle connections still held at that moment.
                    s.setExt(Boolean.TRUE);
                    idleAliveWhenServed.compareAndSet(-1, IDLE - timedOut.get());
                    s.timeout(IDLE_SECONDS);
                    s.write(data);
                });
                ctx.onTimeout(s -> s.close(CloseCode.TIMED_OUT, null));
                ctx.onClose((s, code, reason) -> {
                    if (code == CloseCode.TIMED_OUT && !Boolean.TRUE.equals(s.ext())) {
                        timedOut.incrementAndGet();
                    } else {
                        otherCloses.incrementAndGet();
                    }
                });
                return ctx.listen("127.0.0.1", 0, ListenOptions.DEFAULT.withBacklog(IDLE + 16));
            });
            // The idle clients: plain TCP on the other loop (a TLS client would send its ClientHello).
            clients.run(() -> {
                SocketContext<Void, Void> ctx = clients.loop().createSocketContext();
                ctx.onClose((s, code, reason) -> {
                    clientCloses.incrementAndGet();
                    allClientsClosed.countDown();
                });
                ctx.onConnectError((s, code, reason) -> allClientsClosed.countDown());
                for (int i = 0; i < IDLE; i++) {
                    ctx.connect("127.0.0.1", ls.port());
                }
            });
            Waits.awaitAtLeast(accepted::get, IDLE, "idle connections accepted");
            echo(mode, ls.port(), 10);
            TestLoop.await(allClientsClosed);
            server.roundTrip();
            assertEquals(IDLE, clientCloses.get(), "idle clients that opened and were closed by the server");
            assertEquals(IDLE, timedOut.get(), "idle connections reclaimed with TIMED_OUT: " + otherCloses.get()
                    + " other closes");
            assertTrue(idleAliveWhenServed.get() > 0, "the served peer was answered while idle connections were"
                    + " held; held then: " + idleAliveWhenServed.get());
            System.out.printf("[%s, %s] %d idle connections reclaimed; %d still held when another was served%n",
                    backend, mode, timedOut.get(), idleAliveWhenServed.get());
            server.run(ls::close);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aClientDrippingOneBytePerTickIsClosedAtItsDeadlineWhileOthersAreServed(String backend, Mode mode)
            throws Exception {
        List<Integer> eventSizes = new ArrayList<>(); // server loop state
        CompletableFuture<CloseCode> slowClosed = new CompletableFuture<>();
        AtomicInteger ticksToDeadline = new AtomicInteger();
        AtomicLong servedWhileSlowOpen = new AtomicLong();
        try (TestLoop client = TestLoop.start(backend); TestLoop server = TestLoop.start(backend)) {
            ListenSocket ls = server.call(() -> {
                SocketContext<Void, int[]> ctx = serverContext(server.loop(), mode);
                ctx.onOpen((s, isClient) -> {
                    // A request deadline: armed once, never re-armed by data.
                    s.timeout(1);
                    s.setExt(new int[] {ctx.timestamp(), 0});
                });
                ctx.onData((s, data) -> {
                    if (data.get(0) == 's') {
                        s.write(data);
                        if (!slowClosed.isDone()) {
                            servedWhileSlowOpen.incrementAndGet();
                        }
                        s.timeout(1);
                        return;
                    }
                    s.ext()[1] = 1;
                    eventSizes.add(data.remaining());
                });
                ctx.onTimeout(s -> {
                    if (s.ext()[1] == 1) {
                        ticksToDeadline.set(Math.floorMod(ctx.timestamp() - s.ext()[0], 240));
                    }
                    s.close(CloseCode.TIMED_OUT, null);
                });
                ctx.onClose((s, code, reason) -> {
                    if (s.ext() != null && s.ext()[1] == 1) {
                        slowClosed.complete(code);
                    }
                });
                return ctx.listen("127.0.0.1", 0);
            });
            client.run(() -> {
                SocketContext<Void, Timer<Void>> ctx = mode.context(client.loop());
                ctx.onOpen((s, isClient) -> {
                    Timer<Void> drip = client.loop().createTimer(true);
                    s.setExt(drip);
                    long tick = TestLoop.TICK.toMillis();
                    drip.set(t -> s.write(new byte[] {'.'}, 0, 1, false), tick, tick);
                });
                ctx.onClose((s, code, reason) -> s.ext().close());
                ctx.onConnectError((s, code, reason) -> slowClosed.completeExceptionally(
                        new AssertionError("the slow client could not connect: " + code)));
                ctx.connect("127.0.0.1", ls.port());
            });
            // Another client is served while the slow one drips (it connects, echoes, and leaves).
            echo(mode, ls.port(), 5);
            assertEquals(CloseCode.TIMED_OUT, TestLoop.await(slowClosed), "how the server closed the slow client");
            server.roundTrip();
            List<Integer> sizes = server.call(() -> new ArrayList<>(eventSizes));
            assertTrue(sizes.stream().allMatch(n -> n == 1), "every drop is its own one-byte data event: " + sizes);
            assertTrue(!sizes.isEmpty() && sizes.size() <= 11, "one byte per tick up to the 10-tick deadline: "
                    + sizes.size() + " bytes");
            int ticks = ticksToDeadline.get();
            assertTrue(ticks >= 9 && ticks <= 11, "the 1 s deadline fired after " + ticks + " ticks of 100 ms");
            assertEquals(5, servedWhileSlowOpen.get(), "echoes served to another client while the slow one dripped");
            server.run(ls::close);
        }
    }

    /**
     * The stream's content: byte {@code p} is {@code PATTERN[p % PATTERN.length]}, random bytes whose period (1 MiB
     * and 7 bytes) matches no chunk or buffer size, so a lost, doubled or moved block shows as a mismatch; the byte
     * count and the end of stream right after it catch the rest.
     */
    private static final byte[] PATTERN = new byte[(1 << 20) + 7];

    static {
        new java.util.Random(15).nextBytes(PATTERN);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void aPeerThatStopsReadingGetsAll100MiBIntactOnceItReadsAndMemoryStaysFlat(String backend, Mode mode)
            throws Exception {
        CountDownLatch shortWrite = new CountDownLatch(1);
        AtomicInteger writables = new AtomicInteger();
        AtomicLong sentAtShortWrite = new AtomicLong();
        long heapBefore = LiveHeap.bytes();
        long[] heapAtShortWrite = new long[1];
        try (TestLoop server = TestLoop.start(backend)) {
            ListenSocket ls = server.call(() -> {
                SocketContext<Void, long[]> ctx = mode.context(server.loop());
                ByteBuffer chunk = ByteBuffer.allocateDirect(256 * 1024);
                ctx.onOpen((s, isClient) -> {
                    s.setExt(new long[1]);
                    pump(s, chunk, shortWrite, sentAtShortWrite);
                });
                ctx.onWritable(s -> {
                    writables.incrementAndGet();
                    pump(s, chunk, shortWrite, sentAtShortWrite);
                });
                return ctx.listen("127.0.0.1", 0);
            });
            try (java.net.Socket peer = mode.connect(new InetSocketAddress("127.0.0.1", ls.port()), 64 * 1024,
                    (int) TestLoop.WAIT.toMillis())) {
                // Not a byte is read until the server's write came back short.
                TestLoop.await(shortWrite);
                heapAtShortWrite[0] = LiveHeap.bytes();
                InputStream in = peer.getInputStream();
                byte[] buffer = new byte[64 * 1024];
                long received = 0;
                while (received < TOTAL) {
                    int n = in.read(buffer);
                    assertTrue(n > 0, "the stream ended after " + received + " bytes");
                    int checked = 0;
                    while (checked < n) {
                        int at = (int) ((received + checked) % PATTERN.length);
                        int run = Math.min(n - checked, PATTERN.length - at);
                        int mismatch = java.util.Arrays.mismatch(buffer, checked, checked + run, PATTERN, at, at + run);
                        if (mismatch >= 0) {
                            throw new AssertionError("byte " + (received + checked + mismatch) + " differs");
                        }
                        checked += run;
                    }
                    received += n;
                }
                assertEquals(-1, in.read(), "the end of stream right after " + TOTAL + " bytes");
                assertEquals(TOTAL, received);
            }
            server.run(ls::close);
        }
        long heapAfter = LiveHeap.bytes();
        System.out.printf("[%s, %s] short write after %d bytes; %d onWritable; live heap %d, %d at the short write,"
                + " %d after%n", backend, mode, sentAtShortWrite.get(), writables.get(), heapBefore,
                heapAtShortWrite[0], heapAfter);
        assertTrue(writables.get() > 0, "onWritable fired");
        assertTrue(sentAtShortWrite.get() < TOTAL, "the write came back short before the end");
        long bound = 8L * 1024 * 1024;
        assertTrue(heapAtShortWrite[0] - heapBefore < bound && heapAfter - heapBefore < bound,
                "live heap stays flat (within " + bound + " bytes): " + heapBefore + ", " + heapAtShortWrite[0] + ", "
                        + heapAfter);
    }

    /**
     * Writes the stream from where it stands until a write comes back short or all of it is out, then shuts down.
     */
    private static void pump(Socket<long[]> s, ByteBuffer chunk, CountDownLatch shortWrite, AtomicLong sentAtShort) {
        long[] sent = s.ext();
        while (sent[0] < TOTAL) {
            int length = (int) Math.min(chunk.capacity(), TOTAL - sent[0]);
            chunk.clear();
            int at = (int) (sent[0] % PATTERN.length);
            int first = Math.min(length, PATTERN.length - at);
            chunk.put(PATTERN, at, first).put(PATTERN, 0, length - first).flip();
            int n = s.write(chunk);
            sent[0] += n;
            if (n < length) {
                if (shortWrite.getCount() > 0) {
                    sentAtShort.set(sent[0]);
                    shortWrite.countDown();
                }
                return;
            }
        }
        s.shutdown();
    }
}
