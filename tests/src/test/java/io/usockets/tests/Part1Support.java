package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers of the echo, half-close, close-in-callback, timeout, timer, loop and thread-misuse tests: a blocking
 * java.net peer, an event log, tick counting through {@link SocketContext#timestamp()}, a deterministic 64 MiB
 * stream, a loop on a thread of the test's own (for tests about {@code run()} returning and {@code free()}), and a
 * runner for calls made from a named foreign thread.
 */
final class Part1Support {

    /** The sweep counter wraps at 240 (µSockets' timestamps run 0 to 239). */
    static final int TICK_WRAP = 240;

    private Part1Support() {
    }

    // ---------------------------------------------------------------- addresses

    /** 127.0.0.1, never the IPv6 loopback. */
    static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------- waiting

    /** Polls {@code condition} until it holds, failing after {@link TestLoop#WAIT}. */
    static void waitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + TestLoop.WAIT + " waiting for " + what);
            }
            sleep(2);
        }
    }

    /** Sleeps without asserting anything about time: used only to give a wrong behaviour the chance to show. */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits for a thread to end, failing after {@link TestLoop#WAIT}. */
    static void join(Thread thread) {
        try {
            thread.join(TestLoop.WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertTrue(!thread.isAlive(), "thread " + thread.getName() + " did not end within " + TestLoop.WAIT);
    }

    // ---------------------------------------------------------------- ticks

    /** Ticks from {@code from} to {@code to} on the wrapping 0–239 counter. */
    static int ticksBetween(int from, int to) {
        return Math.floorMod(to - from, TICK_WRAP);
    }

    /** Waits until {@code context}'s sweep counter has advanced at least {@code ticks} from its value now. */
    static void awaitTicks(TestLoop tl, SocketContext<?, ?> context, int ticks) {
        if (ticks >= TICK_WRAP) {
            throw new IllegalArgumentException("ticks " + ticks + " is out of range; expected less than 240");
        }
        int start = tl.call(context::timestamp);
        waitUntil(() -> {
            sleep(TestLoop.TICK.toMillis() / 4);
            return ticksBetween(start, tl.call(context::timestamp)) >= ticks;
        }, ticks + " sweep ticks");
    }

    /** Whole ticks in {@code seconds} of socket timeout, rounded up (µSockets' ⌈s/g⌉). */
    static int ticksOfSeconds(int seconds) {
        long tick = TestLoop.TICK.toNanos();
        return (int) ((seconds * 1_000_000_000L + tick - 1) / tick);
    }

    /** Ticks in one long-timeout unit. */
    static int ticksPerLongUnit() {
        return (int) (TestLoop.LONG_UNIT.toNanos() / TestLoop.TICK.toNanos());
    }

    // ---------------------------------------------------------------- events

    /** A thread-safe, ordered log of callback events such as {@code "close:A:NORMAL"}. */
    static final class EventLog {
        private final List<String> events = new CopyOnWriteArrayList<>();

        void add(String event) {
            events.add(event);
        }

        /** Number of events starting with {@code prefix}. */
        int count(String prefix) {
            int n = 0;
            for (String e : events) {
                if (e.startsWith(prefix)) {
                    n++;
                }
            }
            return n;
        }

        /** Waits until at least {@code n} events start with {@code prefix}. */
        void await(String prefix, int n) {
            waitUntil(() -> count(prefix) >= n, n + " event(s) '" + prefix + "' in " + events);
        }

        /** The first event matching {@code test}, or null. */
        String first(Predicate<String> test) {
            for (String e : events) {
                if (test.test(e)) {
                    return e;
                }
            }
            return null;
        }

        List<String> snapshot() {
            return new ArrayList<>(events);
        }

        @Override
        public String toString() {
            return events.toString();
        }
    }

    // ---------------------------------------------------------------- the java.net peer

    /** How a peer's read side ended. */
    enum End {
        /** An orderly FIN: read returned -1. */
        EOF,
        /** The connection was reset. */
        RESET
    }

    /** A blocking java.net client on 127.0.0.1 with every read bounded by {@link TestLoop#WAIT}. */
    static final class Peer implements AutoCloseable {
        private final java.net.Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private Peer(java.net.Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** Connects to 127.0.0.1:{@code port}. */
        static Peer connect(int port) throws IOException {
            return connect(port, 0);
        }

        /** Connects to 127.0.0.1:{@code port} with a receive buffer of {@code receiveBuffer} bytes (0 = default). */
        static Peer connect(int port, int receiveBuffer) throws IOException {
            return connect(Mode.PLAIN, port, receiveBuffer);
        }

        /** Connects to 127.0.0.1:{@code port} in {@code mode} (TLS: handshake done). */
        static Peer connect(Mode mode, int port) throws IOException {
            return connect(mode, port, 0);
        }

        /** Connects in {@code mode} with a receive buffer of {@code receiveBuffer} bytes (0 = default). */
        static Peer connect(Mode mode, int port, int receiveBuffer) throws IOException {
            return new Peer(mode.connect(new InetSocketAddress(loopback(), port), receiveBuffer,
                    (int) TestLoop.WAIT.toMillis()));
        }

        /** Wraps a socket accepted by a java.net server socket. */
        static Peer wrap(java.net.Socket accepted) throws IOException {
            accepted.setSoTimeout((int) TestLoop.WAIT.toMillis());
            return new Peer(accepted);
        }

        java.net.Socket raw() {
            return socket;
        }

        void write(String ascii) throws IOException {
            write(ascii.getBytes(StandardCharsets.US_ASCII));
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        /** Reads exactly {@code n} bytes. */
        byte[] readExactly(int n) throws IOException {
            byte[] b = new byte[n];
            new DataInputStream(in).readFully(b);
            return b;
        }

        String readAscii(int n) throws IOException {
            return new String(readExactly(n), StandardCharsets.US_ASCII);
        }

        /** Reads into {@code b}; -1 at end of stream. */
        int read(byte[] b) throws IOException {
            return in.read(b);
        }

        /** Expects the stream to end with no more data: returns EOF or RESET, fails on data or a timeout. */
        End readEnd() throws IOException {
            try {
                int b = in.read();
                if (b >= 0) {
                    fail("the peer expected the end of the stream but read byte " + b);
                }
                return End.EOF;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the peer saw neither EOF nor a reset within " + TestLoop.WAIT, e);
            } catch (SocketException e) {
                return End.RESET;
            }
        }

        /** Reads and discards until the stream ends; returns the bytes read before EOF (or -1 - count on reset). */
        long drainToEnd() throws IOException {
            byte[] b = new byte[64 * 1024];
            long total = 0;
            try {
                int n;
                while ((n = in.read(b)) >= 0) {
                    total += n;
                }
                return total;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the peer saw neither EOF nor a reset within " + TestLoop.WAIT, e);
            } catch (SocketException e) {
                return -1 - total;
            }
        }

        void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        int localPort() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    // ---------------------------------------------------------------- a deterministic stream

    /** A 1 MiB + 13 byte block of pseudo-random bytes; the test stream repeats it, so chunk edges never align. */
    static final byte[] PATTERN = pattern();

    private static byte[] pattern() {
        byte[] b = new byte[1024 * 1024 + 13];
        new Random(0x5eed).nextBytes(b);
        return b;
    }

    /** Offset into {@link #PATTERN} of stream byte {@code position}. */
    static int patternOffset(long position) {
        return (int) (position % PATTERN.length);
    }

    /** Length of the next chunk at {@code position}: at most {@code max}, not past the block's end or {@code total}. */
    static int patternChunk(long position, long total, int max) {
        int offset = patternOffset(position);
        return (int) Math.min(Math.min(PATTERN.length - offset, max), total - position);
    }

    /** SHA-256 of the first {@code total} bytes of the stream, computed independently of any socket. */
    static byte[] patternSha256(long total) {
        MessageDigest md = sha256();
        long position = 0;
        while (position < total) {
            int len = patternChunk(position, total, Integer.MAX_VALUE);
            md.update(PATTERN, patternOffset(position), len);
            position += len;
        }
        return md.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 15, 16)).append(Character.forDigit(b & 15, 16));
        }
        return sb.toString();
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    static String ascii(ByteBuffer data) {
        byte[] b = new byte[data.remaining()];
        data.duplicate().get(b);
        return new String(b, StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------- foreign threads

    /** Runs {@code action} on a new thread named {@code name} and returns what it threw, or null. */
    static Throwable thrownOnThread(String name, Runnable action) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                action.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        join(t);
        return thrown.get();
    }

    /** Asserts {@code thrown} is an IllegalStateException whose message names both threads. */
    static void assertMisuse(Throwable thrown, String callerName, Thread loopThread) {
        assertNotNull(thrown, "a call from foreign thread '" + callerName + "' did not throw");
        if (!(thrown instanceof IllegalStateException)) {
            throw new AssertionError("expected IllegalStateException, got " + thrown, thrown);
        }
        String message = String.valueOf(thrown.getMessage());
        assertTrue(message.contains(callerName), "message does not name the calling thread '" + callerName + "': "
                + message);
        assertTrue(message.contains(loopThread.getName()), "message does not name the loop thread '"
                + loopThread.getName() + "': " + message);
    }

    // ---------------------------------------------------------------- a loop on a thread of the test's own

    /**
     * A loop created and run on a thread of the test's own, with no keep-alive: for tests about {@code run()}
     * returning and {@code free()}. After {@code run()} returns, the thread frees the loop if it is not freed.
     * {@link #close()} frees a loop that is still running (through {@code defer}), joins the thread and fails the
     * test if the loop or a callback threw. The caller runs the descriptor leak gate with its own baseline.
     */
    static final class OwnLoop implements AutoCloseable {
        final Thread thread;
        private final CompletableFuture<Loop> created = new CompletableFuture<>();
        private final CountDownLatch runReturned = new CountDownLatch(1);
        private final CountDownLatch finished = new CountDownLatch(1);
        private final List<Throwable> callbackErrors = new CopyOnWriteArrayList<>();
        private volatile Throwable failure;
        private volatile boolean freedWhenRunReturned;
        final Loop loop;

        private OwnLoop(String backend, Consumer<LoopOptions.Builder> customize, Consumer<Loop> setup,
                Consumer<Loop> afterRun) {
            thread = new Thread(() -> body(backend, customize, setup, afterRun), "own-loop-" + backend);
            thread.setDaemon(true);
            thread.start();
            loop = TestLoop.await(created);
        }

        /** Creates the loop on a new thread, runs {@code setup} there (before {@code run()}), then runs it. */
        static OwnLoop start(String backend, Consumer<LoopOptions.Builder> customize, Consumer<Loop> setup) {
            return new OwnLoop(backend, customize, setup, l -> { });
        }

        /**
         * Like {@link #start(String, Consumer, Consumer)}, and runs {@code afterRun} on the loop thread once
         * {@code run()} has returned, before the loop is freed (if it is not already).
         */
        static OwnLoop start(String backend, Consumer<LoopOptions.Builder> customize, Consumer<Loop> setup,
                Consumer<Loop> afterRun) {
            return new OwnLoop(backend, customize, setup, afterRun);
        }

        private void body(String backend, Consumer<LoopOptions.Builder> customize, Consumer<Loop> setup,
                Consumer<Loop> afterRun) {
            Loop l = null;
            // The embedded case: a loop created on this thread with a Vert.x hint, which run() hands to Vert.x.
            io.vertx.core.Vertx vertx = EmbeddedVertx.isEmbedded(backend)
                    ? EmbeddedVertx.create(EmbeddedVertx.backendOf(backend)) : null;
            try {
                LoopOptions.Builder b = LoopOptions.builder().backend(EmbeddedVertx.backendOf(backend))
                        .hint(vertx).timeoutGranularity(TestLoop.TICK)
                        .longTimeoutGranularity(TestLoop.LONG_UNIT).callbackErrorHandler((lp, source, error) -> {
                            callbackErrors.add(error);
                            if (source instanceof Socket<?> s) {
                                s.close(CloseCode.CALLBACK_FAILED, error);
                            }
                        });
                customize.accept(b);
                l = Loop.create(b.build());
                setup.accept(l);
                created.complete(l);
                l.run();
                freedWhenRunReturned = l.isFreed();
                try {
                    afterRun.accept(l);
                } finally {
                    runReturned.countDown();
                }
                if (!l.isFreed()) {
                    l.free();
                }
            } catch (Throwable t) {
                failure = t;
                created.completeExceptionally(t);
                if (l != null && !l.isFreed()) {
                    try {
                        l.free();
                    } catch (Throwable again) {
                        t.addSuppressed(again);
                    }
                }
            } finally {
                try {
                    if (vertx != null) {
                        EmbeddedVertx.close(vertx);
                    }
                } finally {
                    finished.countDown();
                }
            }
        }

        /** Whether {@code run()} returned within {@link TestLoop#WAIT}. */
        boolean awaitRunReturned() {
            try {
                return runReturned.await(TestLoop.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** Whether {@code run()} has returned already. */
        boolean runHasReturned() {
            return runReturned.getCount() == 0;
        }

        /** Whether the loop was already freed when {@code run()} returned. */
        boolean freedWhenRunReturned() {
            return freedWhenRunReturned;
        }

        @Override
        public void close() {
            if (finished.getCount() > 0 && runReturned.getCount() > 0) {
                try {
                    loop.defer(() -> {
                        if (!loop.isFreed()) {
                            loop.free();
                        }
                    });
                } catch (RuntimeException e) {
                    // run() returned and freed the loop in the meantime; nothing is left to stop.
                    if (runReturned.getCount() > 0) {
                        throw e;
                    }
                }
            }
            TestLoop.await(finished);
            if (failure != null) {
                fail("the loop failed", failure);
            }
            if (!callbackErrors.isEmpty()) {
                throw new AssertionError("a callback threw: " + callbackErrors.get(0), callbackErrors.get(0));
            }
        }
    }
}
