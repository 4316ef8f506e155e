package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.ListenOptions;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.tests.tls.TlsSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hammer test, after µSockets' {@code examples/hammer_test.c}: one loop holds a listener, an HTTP-like context
 * and a child "websocket" context; {@code hammer.connections} client connections (200 by default, 5 000 under
 * {@code -Plong}) are opened one after another (each client's {@code onOpen} connects the next), and every callback
 * performs a random operation on its socket: close; adopt into the other context (then another operation, as an
 * adoption alone sends nothing); write 0 to 5 MiB; shutdown and a 16 s timeout; or a 4 s timeout and a wakeup.
 * {@code run()} must return by itself once everything is closed (the last {@code onClose} closes the listen socket).
 *
 * <p>Checked, per case: opened = closed = connections on each side; {@code onClose} exactly once per socket and no
 * callback after it; no empty {@code onData}; no timeout before {@code (⌈s/tick⌉−1)} ticks after it was armed (a
 * "sentinel" connection in a third context always waits out a 16 s timeout under the load, so every case sees one
 * fire); after an adoption the socket is the same object, its extension exactly the one handed in and its context
 * the target; callbacks of each context see only sockets whose extension says they belong there; no callback throws.
 * After all cases: open descriptors back to the count before, and live heap after a full GC within
 * {@link #HEAP_BOUND} of the count before.
 *
 * <p>The cases (every backend that runs its own loop, plain and TLS) run at the same time, one loop thread each: the
 * hammer waits on real 4 s and 16 s timeouts, so its wall time is set by the longest chain of them, not by the
 * connection count, and running the cases side by side costs that chain once instead of once per case. It is
 * seeded: the seed is printed, and {@code -Dhammer.seed=N -Dhammer.connections=N} repeat a run's operations (the
 * kernel's interleaving still varies). Vert.x-embedded loops are left out: they have no {@code run()} to return.
 */
class HammerTest {

    /** The seed of every case's operations (each case mixes in its index). */
    static final long SEED = Long.getLong("hammer.seed", new Random().nextLong());
    /** Client connections per case. */
    static final int CONNECTIONS = Integer.getInteger("hammer.connections", 200);
    /** The largest write. */
    static final int LONG_LENGTH = 5 * 1024 * 1024;
    /** Heap allowed to stay live after all cases, after a full GC. */
    static final long HEAP_BOUND = 4L * 1024 * 1024;
    /** The sweep tick of the hammer's loops: 16 s is 64 ticks, 4 s is 16. */
    static final Duration TICK = Duration.ofMillis(250);
    /** How long one case may take before the test gives up on it (its loop is then freed). */
    static final Duration CASE_LIMIT = Duration.ofSeconds(Math.max(120, CONNECTIONS / 20));

    /** What every write sends (zeros, as in µSockets); made before the heap baseline. */
    private static final byte[] LONG_BUFFER = new byte[LONG_LENGTH];

    private static int descriptorBaseline;
    private static long heapBaseline;
    private static Map<String, Hammer> cases;

    /** Method source: every backend that runs its own loop, plain and TLS. */
    static Stream<Arguments> standaloneBackendsAndModes() {
        return Mode.backendsAndModes().filter(a -> !EmbeddedVertx.isEmbedded((String) a.get()[0]));
    }

    @BeforeAll
    static void startEveryCase() {
        descriptorBaseline = TestLoop.descriptorBaseline();
        heapBaseline = LiveHeap.bytes();
        System.out.printf("hammer seed=%d connections=%d (repeat with -Dhammer.seed=%d -Dhammer.connections=%d)%n",
                SEED, CONNECTIONS, SEED, CONNECTIONS);
        cases = new LinkedHashMap<>();
        int index = 0;
        for (Arguments a : (Iterable<Arguments>) standaloneBackendsAndModes()::iterator) {
            String backend = (String) a.get()[0];
            Mode mode = (Mode) a.get()[1];
            Hammer h = new Hammer(backend, mode, SEED ^ (0x9E3779B97F4A7C15L * ++index));
            cases.put(backend + "/" + mode, h);
        }
        for (Hammer h : cases.values()) {
            h.thread.start();
        }
    }

    @AfterAll
    static void everythingIsReleased() throws InterruptedException {
        for (Hammer h : cases.values()) {
            h.stop();
        }
        TestLoop.assertNoDescriptorLeak(descriptorBaseline);
        long heap = LiveHeap.bytes();
        System.out.printf("hammer live heap: %d bytes before, %d after%n", heapBaseline, heap);
        assertTrue(heap - heapBaseline < HEAP_BOUND, "live heap grew from " + heapBaseline + " to " + heap
                + " bytes over the hammer; expected under " + HEAP_BOUND + " more");
    }

    @ParameterizedTest
    @MethodSource("standaloneBackendsAndModes")
    void randomOperationsOnEveryCallbackEndWithEverySocketClosedOnce(String backend, Mode mode) throws Exception {
        Hammer h = cases.get(backend + "/" + mode);
        h.thread.join(CASE_LIMIT.toMillis());
        boolean ended = !h.thread.isAlive();
        String summary = h.summary();
        System.out.printf("[%s, %s] hammer: %s%n", backend, mode, summary);
        assertTrue(ended, "run() did not return within " + CASE_LIMIT + ": " + summary);
        assertEquals(List.of(), h.failures.subList(0, Math.min(10, h.failures.size())),
                h.failures.size() + " failures (seed " + SEED + "): " + summary);
        assertEquals(CONNECTIONS, h.openedClients, "client sockets opened: " + summary);
        assertEquals(CONNECTIONS, h.openedServers, "server sockets opened: " + summary);
        assertEquals(CONNECTIONS, h.closedClients, "client sockets closed: " + summary);
        assertEquals(CONNECTIONS, h.closedServers, "server sockets closed: " + summary);
        assertEquals(1, h.sentinelTimeouts, "the sentinel's 16 s timeout fired once: " + summary);
        assertTrue(h.loop.isFreed(), "the loop was freed after run() returned");
    }

    /** A socket's extension; a new one per adoption, so identity says which context it was handed to. */
    static final class Peer {
        final boolean client;
        final boolean http;
        boolean closed;
        /** Set when the socket was adopted away with another extension: this one must never be seen again. */
        boolean replaced;
        long armedAt;
        int armedTick;
        int armedSeconds;

        Peer(boolean client, boolean http) {
            this.client = client;
            this.http = http;
        }
    }

    /** One case: its loop, contexts, random source and counters (loop-thread state; read after the thread ended). */
    static final class Hammer {
        final String name;
        final Mode mode;
        final Random random;
        final Thread thread;
        final List<String> failures = new CopyOnWriteArrayList<>();
        volatile Loop loop;
        SocketContext<Void, Peer> http;
        SocketContext<Void, Peer> websocket;
        ListenSocket listener;
        ListenSocket sentinelListener;
        volatile int openedClients;
        volatile int openedServers;
        volatile int closedClients;
        volatile int closedServers;
        volatile long operations;
        volatile long adoptions;
        volatile long bytesWritten;
        volatile long dataEvents;
        volatile long timeouts;
        volatile long connectErrors;
        volatile int sentinelTimeouts;
        volatile long smallestMarginMillis = Long.MAX_VALUE;
        long started;
        volatile long wallMillis;

        Hammer(String backend, Mode mode, long seed) {
            this.name = "[" + backend + ", " + mode + "] ";
            this.mode = mode;
            this.random = new Random(seed);
            this.thread = new Thread(() -> run(backend), "hammer-" + backend + "-" + mode);
            thread.setDaemon(true);
        }

        String summary() {
            return "clients " + openedClients + "/" + closedClients + ", servers " + openedServers + "/" + closedServers
                    + " (opened/closed), " + operations + " operations, " + adoptions + " adoptions, " + dataEvents
                    + " data events, " + bytesWritten + " bytes written, " + timeouts + " timeouts (smallest margin "
                    + (smallestMarginMillis == Long.MAX_VALUE ? "-" : smallestMarginMillis + " ms") + "), "
                    + connectErrors + " connect errors, " + wallMillis + " ms";
        }

        void fail(String what) {
            failures.add(name + what);
        }

        /** Waits for the case's thread; frees the loop if it is still running, so nothing outlives the class. */
        void stop() throws InterruptedException {
            thread.join(CASE_LIMIT.toMillis());
            if (thread.isAlive() && loop != null) {
                loop.defer(loop::free);
                thread.join(TestLoop.WAIT.toMillis());
            }
        }

        private void run(String backend) {
            started = System.nanoTime();
            try {
                loop = Loop.create(LoopOptions.builder().backend(backend).timeoutGranularity(TICK)
                        .callbackErrorHandler((l, source, error) -> {
                            java.io.StringWriter trace = new java.io.StringWriter();
                            error.printStackTrace(new java.io.PrintWriter(trace));
                            fail("a callback threw " + trace);
                            if (source instanceof Socket<?> s) {
                                s.close(CloseCode.CALLBACK_FAILED, error);
                            }
                        }).build());
                try {
                    setUp();
                    loop.run();
                } finally {
                    loop.free();
                }
            } catch (Throwable t) {
                fail("the loop failed: " + t);
            }
            wallMillis = (System.nanoTime() - started) / 1_000_000;
        }

        private void setUp() {
            http = mode.context(loop);
            websocket = http.createChild();
            http.onOpen((s, isClient) -> {
                Peer p = isClient ? s.ext() : new Peer(false, true);
                if (p == null || !p.client && isClient) {
                    fail("a client socket opened without the extension set at connect");
                    return;
                }
                if (!isClient) {
                    s.setExt(p);
                    openedServers++;
                } else {
                    openedClients++;
                    if (openedClients < CONNECTIONS) {
                        connectNext();
                    }
                }
                operate(s);
            });
            http.onData((s, data) -> onData(s, data.remaining(), true));
            websocket.onData((s, data) -> onData(s, data.remaining(), false));
            http.onWritable(s -> {
                if (check(s, true, "onWritable")) {
                    operate(s);
                }
            });
            websocket.onWritable(s -> {
                if (check(s, false, "onWritable")) {
                    operate(s);
                }
            });
            http.onTimeout(s -> onTimeout(s, true));
            websocket.onTimeout(s -> onTimeout(s, false));
            http.onEnd(s -> onEnd(s, true));
            websocket.onEnd(s -> onEnd(s, false));
            http.onClose((s, code, reason) -> onClose(s, true));
            websocket.onClose((s, code, reason) -> onClose(s, false));
            http.onConnectError((s, code, reason) -> {
                connectErrors++;
                if (connectErrors > CONNECTIONS) {
                    fail("more connect errors than connections; the last: " + code + " " + reason);
                    closeListeners();
                } else {
                    connectNext();
                }
            });
            websocket.onOpen((s, isClient) -> fail("onOpen in the websocket context, which never connects or listens"));
            websocket.onConnectError((s, code, reason) -> fail("onConnectError in the websocket context"));
            listener = http.listen("127.0.0.1", 0, ListenOptions.DEFAULT.withBacklog(1024));
            setUpSentinel();
            connectNext();
        }

        /**
         * The sentinel: one connection in a third context that sits idle under the hammer until its client's 16 s
         * timeout fires, which must not be before 63 ticks (15.75 s); then it closes.
         */
        private void setUpSentinel() {
            SocketContext<Void, Peer> sentinel = http.createChild();
            sentinel.onOpen((s, isClient) -> {
                if (isClient) {
                    arm(s, 16);
                }
            });
            sentinel.onTimeout(s -> {
                sentinelTimeouts++;
                checkNotEarly(s);
                s.close();
                sentinelListener.close();
            });
            sentinel.onData((s, data) -> fail("the sentinel got data"));
            sentinel.onConnectError((s, code, reason) -> {
                fail("the sentinel could not connect: " + code + " " + reason);
                sentinelListener.close();
            });
            sentinelListener = sentinel.listen("127.0.0.1", 0);
            sentinel.connect("127.0.0.1", sentinelListener.port()).setExt(new Peer(true, false));
        }

        private void connectNext() {
            http.connect("127.0.0.1", listener.port()).setExt(new Peer(true, true));
        }

        private void closeListeners() {
            listener.close();
        }

        /** Checks a callback's socket: open, its extension current, in the context whose callback runs. */
        private boolean check(Socket<Peer> s, boolean inHttp, String callback) {
            Peer p = s.ext();
            if (p == null) {
                fail(callback + " on a socket without an extension");
                return false;
            }
            if (p.closed) {
                fail(callback + " after onClose");
                return false;
            }
            if (p.replaced) {
                fail(callback + " with the extension the socket had before an adoption");
                return false;
            }
            if (p.http != inHttp || s.context() != (inHttp ? http : websocket)) {
                fail(callback + " of the " + (inHttp ? "http" : "websocket") + " context on a socket of the other");
                return false;
            }
            return true;
        }

        private void onData(Socket<Peer> s, int length, boolean inHttp) {
            dataEvents++;
            if (length == 0) {
                fail("an empty data event");
            }
            if (check(s, inHttp, "onData")) {
                operate(s);
            }
        }

        private void onTimeout(Socket<Peer> s, boolean inHttp) {
            if (!check(s, inHttp, "onTimeout")) {
                return;
            }
            timeouts++;
            checkNotEarly(s);
            if (s.isShutDown()) {
                // Our FIN went out and the peer's never came: end it, as µSockets' hammer does.
                s.close();
                return;
            }
            operate(s);
        }

        /**
         * A timeout fires no earlier than B6 allows: at least ⌈s/tick⌉−1 sweep ticks of its context after it was
         * armed, counted exactly; and on the wall clock no earlier than that many ticks less two (the sweep keeps a
         * fixed rate, so one that ran late lets a timeout armed just after it fire that much sooner than a full
         * tick grid after arming; seen: up to 102 ms on the Vert.x backends, whose timers are coarser).
         */
        private void checkNotEarly(Socket<Peer> s) {
            Peer p = s.ext();
            long ticks = (p.armedSeconds * 1000L + TICK.toMillis() - 1) / TICK.toMillis();
            int sweeps = Math.floorMod(s.context().timestamp() - p.armedTick, 240);
            if (sweeps < ticks - 1) {
                fail("a " + p.armedSeconds + " s timeout fired after " + sweeps + " sweep ticks, before " + (ticks - 1));
            }
            long earliest = (ticks - 3) * TICK.toMillis();
            long elapsed = (System.nanoTime() - p.armedAt) / 1_000_000;
            smallestMarginMillis = Math.min(smallestMarginMillis, elapsed - (ticks - 1) * TICK.toMillis());
            if (elapsed < earliest) {
                fail("a " + p.armedSeconds + " s timeout fired after " + elapsed + " ms, before " + earliest + " ms");
            }
        }

        private void onEnd(Socket<Peer> s, boolean inHttp) {
            if (check(s, inHttp, "onEnd")) {
                s.close();
                // As µSockets' hammer does: operations on the socket just closed must do nothing.
                operate(s);
            }
        }

        private void onClose(Socket<Peer> s, boolean inHttp) {
            Peer p = s.ext();
            if (p == null) {
                // An accepted TLS socket whose handshake failed (B2): no client here ever closes before its own
                // handshake completed, so this is wrong too.
                fail("onClose on a socket that never opened (" + (inHttp ? "http" : "websocket") + " context)");
                return;
            }
            if (p.closed) {
                fail("onClose twice");
                return;
            }
            if (p.replaced || p.http != inHttp) {
                fail("onClose with a stale extension or in the wrong context");
            }
            p.closed = true;
            if (p.client) {
                closedClients++;
            } else {
                closedServers++;
            }
            if (closedClients == CONNECTIONS && closedServers == CONNECTIONS) {
                if (openedClients != CONNECTIONS) {
                    fail("everything closed with only " + openedClients + " clients opened");
                }
                closeListeners();
            } else {
                operate(s);
            }
        }

        /** One random operation on {@code s}, which may already be closed (then every call must do nothing). */
        private void operate(Socket<Peer> s) {
            operations++;
            switch (random.nextInt(5)) {
                case 0 -> s.close();
                case 1 -> {
                    if (s.isClosed()) {
                        operate(s);
                        return;
                    }
                    adopt(s);
                }
                case 2 -> {
                    int length = random.nextInt(LONG_LENGTH + 1);
                    int written = s.write(LONG_BUFFER, 0, length, false);
                    if (written < 0 || written > length) {
                        fail("write of " + length + " returned " + written);
                    }
                    bytesWritten += Math.max(0, written);
                    if (length == 0) {
                        // Nothing went out, so nothing will come back: a timeout keeps the connection moving.
                        arm(s, 4);
                    }
                }
                case 3 -> {
                    s.shutdown();
                    arm(s, 16);
                }
                default -> {
                    arm(s, 4);
                    loop.wakeup();
                }
            }
        }

        private void adopt(Socket<Peer> s) {
            Peer old = s.ext();
            SocketContext<Void, Peer> target = old.http ? websocket : http;
            Peer fresh = new Peer(old.client, !old.http);
            old.replaced = true;
            Socket<Peer> adopted = target.adopt(s, fresh);
            adoptions++;
            if (adopted != s) {
                fail("adopt returned another object");
            }
            if (adopted.ext() != fresh) {
                fail("after an adoption the extension is not the object handed in");
            }
            if (adopted.context() != target) {
                fail("after an adoption the context is not the target");
            }
            // An adoption sends nothing and disarms the timeouts: another operation keeps the connection moving.
            operate(adopted);
        }

        private void arm(Socket<Peer> s, int seconds) {
            if (s.isClosed()) {
                return;
            }
            s.timeout(seconds);
            Peer p = s.ext();
            p.armedAt = System.nanoTime();
            p.armedTick = s.context().timestamp();
            p.armedSeconds = seconds;
        }
    }
}
