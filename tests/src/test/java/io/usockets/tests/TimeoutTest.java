package io.usockets.tests;

import io.usockets.Socket;
import io.usockets.SocketContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Socket timeouts, counted in sweep ticks through {@link SocketContext#timestamp()} (never in milliseconds).
 * docs/RULES.md B6: {@code timeout(s)} fires after ⌈s/g⌉−1 to ⌈s/g⌉ ticks and {@code longTimeout(m)} likewise in
 * long units; with the test tick of 100 ms, {@code timeout(1)} fires 9 or 10 ticks after it is armed. The upper
 * bounds below allow one extra tick.
 */
class TimeoutTest {

    /** Earliest tick count of {@code timeout(1)}: ⌈1000/100⌉ − 1. */
    private static final int MIN_TICKS = Ticks.ofSeconds(1) - 1;
    /** Latest tick count of {@code timeout(1)}, plus one tick of slack. */
    private static final int MAX_TICKS = Ticks.ofSeconds(1) + 1;

    /** A server context whose sockets log their timeouts with the tick count since they were armed. */
    private static int listen(TestLoop tl, Mode mode, AtomicReference<SocketContext<Void, int[]>> context,
            SocketContext.OpenHandler<int[]> onOpen, SocketContext.SocketHandler<int[]> onTimeout,
            SocketContext.SocketHandler<int[]> onLongTimeout) {
        return tl.call(() -> {
            SocketContext<Void, int[]> ctx = mode.context(tl.loop());
            context.set(ctx);
            ctx.onOpen(onOpen).onTimeout(onTimeout).onLongTimeout(onLongTimeout);
            return ctx.listen("127.0.0.1", 0).port();
        });
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    @SuppressWarnings("try") // the peer only holds the connection open
    void timeoutFiresOnceWithinTheTickWindowAndRearmsFromOnTimeout(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            AtomicReference<SocketContext<Void, int[]>> context = new AtomicReference<>();
            int port = listen(tl, mode, context, (s, isClient) -> {
                s.setExt(new int[] {s.context().timestamp(), 0});
                s.timeout(1);
            }, s -> {
                int[] st = s.ext();
                int now = s.context().timestamp();
                st[1]++;
                log.add("timeout:" + st[1] + ":ticks=" + Ticks.between(st[0], now));
                if (st[1] == 1) {
                    st[0] = now;
                    s.timeout(1);
                }
            }, s -> log.add("long"));
            try (Peer peer = Peer.connect(mode, port)) {
                log.await("timeout:2", 1);
                // Not re-armed after the second firing: nothing more may come.
                Ticks.await(tl, context.get(), MAX_TICKS + 5);
                List<String> events = log.snapshot();
                assertEquals(2, events.size(), "onTimeout fires once per arming: " + events);
                for (String e : events) {
                    int ticks = Integer.parseInt(e.substring(e.indexOf("ticks=") + 6));
                    assertTrue(ticks >= MIN_TICKS && ticks <= MAX_TICKS,
                            "timeout(1) fired after " + ticks + " ticks; expected " + MIN_TICKS + " to " + MAX_TICKS
                                    + ": " + events);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    @SuppressWarnings("try") // the peer only holds the connection open
    void timeoutZeroDisarms(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            AtomicReference<SocketContext<Void, int[]>> context = new AtomicReference<>();
            List<Socket<int[]>> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
            int port = listen(tl, mode, context, (s, isClient) -> {
                s.setExt(new int[] {sockets.size()});
                sockets.add(s);
            }, s -> log.add("timeout:" + s.ext()[0]), s -> log.add("long:" + s.ext()[0]));
            try (Peer disarmedPeer = Peer.connect(mode, port)) {
                Waits.waitUntil(() -> sockets.size() == 1, "the first connection");
                try (Peer controlPeer = Peer.connect(mode, port)) {
                    Waits.waitUntil(() -> sockets.size() == 2, "the second connection");
                    tl.run(() -> {
                        sockets.get(0).timeout(1);
                        sockets.get(1).timeout(1);
                    });
                    Ticks.await(tl, context.get(), 2);
                    tl.run(() -> sockets.get(0).timeout(0));
                    // The control socket, armed at the same moment, proves the wait was long enough.
                    log.await("timeout:1", 1);
                    Ticks.await(tl, context.get(), 3);
                    assertEquals(List.of("timeout:1"), log.snapshot(), "only the socket left armed fires");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    @SuppressWarnings("try") // the peer only holds the connection open
    void longTimeoutFiresOnceAndRearmsFromOnLongTimeout(String backend, Mode mode) throws Exception {
        int unit = Ticks.perLongUnit();
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            AtomicReference<SocketContext<Void, int[]>> context = new AtomicReference<>();
            int port = listen(tl, mode, context, (s, isClient) -> {
                s.setExt(new int[] {s.context().timestamp(), 0});
                s.longTimeout(1);
            }, s -> log.add("short"), s -> {
                int[] st = s.ext();
                int now = s.context().timestamp();
                st[1]++;
                log.add("long:" + st[1] + ":ticks=" + Ticks.between(st[0], now));
                if (st[1] == 1) {
                    st[0] = now;
                    s.longTimeout(1);
                }
            });
            try (Peer peer = Peer.connect(mode, port)) {
                log.await("long:2", 1);
                Ticks.await(tl, context.get(), 3 * unit);
                List<String> events = log.snapshot();
                assertEquals(2, events.size(), "onLongTimeout fires once per arming, onTimeout never: " + events);
                for (String e : events) {
                    int ticks = Integer.parseInt(e.substring(e.indexOf("ticks=") + 6));
                    // longTimeout(1): after 0 to 1 long units, but only ever on a sweep, so at least one tick.
                    assertTrue(ticks >= 1 && ticks <= unit + 1, "longTimeout(1) fired after " + ticks
                            + " ticks; expected 1 to " + (unit + 1) + " (" + unit + " ticks per unit): " + events);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    @SuppressWarnings("try") // the peer only holds the connection open
    void outOfRangeTimeoutsThrowIllegalArgumentExceptionNamingTheValue(String backend, Mode mode) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            AtomicReference<SocketContext<Void, int[]>> context = new AtomicReference<>();
            CompletableFuture<Socket<int[]>> accepted = new CompletableFuture<>();
            EventLog log = new EventLog();
            int port = listen(tl, mode, context, (s, isClient) -> accepted.complete(s), s -> log.add("timeout"),
                    s -> log.add("long"));
            try (Peer peer = Peer.connect(mode, port)) {
                Socket<int[]> s = TestLoop.await(accepted);
                // 239 ticks is the most the counter holds; with a 100 ms tick that is 23.9 s, so 24 s is 240 ticks.
                int maxSeconds = (int) (239 * TestLoop.TICK.toMillis() / 1000);
                List<String> problems = tl.call(() -> {
                    List<String> bad = new ArrayList<>();
                    expectRejected(bad, "timeout(-1)", "-1", () -> s.timeout(-1));
                    expectRejected(bad, "timeout(" + (maxSeconds + 1) + ")", String.valueOf(maxSeconds + 1),
                            () -> s.timeout(maxSeconds + 1));
                    expectRejected(bad, "timeout(1000)", "1000", () -> s.timeout(1000));
                    expectRejected(bad, "timeout(MAX_VALUE)", String.valueOf(Integer.MAX_VALUE),
                            () -> s.timeout(Integer.MAX_VALUE));
                    expectRejected(bad, "longTimeout(240)", "240", () -> s.longTimeout(240));
                    expectRejected(bad, "longTimeout(-1)", "-1", () -> s.longTimeout(-1));
                    try {
                        s.timeout(maxSeconds);
                        s.longTimeout(239);
                        s.timeout(0);
                        s.longTimeout(0);
                    } catch (RuntimeException e) {
                        bad.add("an in-range value threw " + e);
                    }
                    if (s.isClosed()) {
                        bad.add("the socket closed");
                    }
                    return bad;
                });
                assertEquals(List.of(), problems);
                Ticks.await(tl, context.get(), MAX_TICKS + 2);
                assertEquals(0, log.count(""), "rejected or disarmed timeouts fired: " + log);
            }
        }
    }

    private static void expectRejected(List<String> bad, String call, String value, Runnable action) {
        try {
            action.run();
            bad.add(call + " did not throw");
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || !e.getMessage().contains(value)) {
                bad.add(call + " threw without naming " + value + ": " + e.getMessage());
            }
        } catch (RuntimeException e) {
            bad.add(call + " threw " + e + " instead of IllegalArgumentException");
        }
    }

    /**
     * docs/RULES.md B6: "on_timeout can fire on a socket that is still connecting: that is how a connect timeout is
     * made". To keep a connect pending on loopback, a java.net server socket with backlog 1 that never accepts has
     * its accept queue filled with plain sockets first; Linux then drops further SYNs, so the us_* connect stays in
     * progress. Should the kernel complete the connect anyway (another platform), onOpen may come first: the test
     * then only requires that the timeout armed before open fired.
     */
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void timeoutFiresOnSocketThatIsStillConnecting(String backend, Mode mode) throws Exception {
        List<java.net.Socket> fillers = new ArrayList<>();
        try (TestLoop tl = TestLoop.start(backend);
                ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(JavaNetPeers.loopback(), 0), 1);
            boolean backlogFull = false;
            try {
                for (int i = 0; i < 8 && !backlogFull; i++) {
                    java.net.Socket filler = new java.net.Socket();
                    try {
                        filler.connect(server.getLocalSocketAddress(), 300);
                        fillers.add(filler);
                    } catch (SocketTimeoutException e) {
                        filler.close();
                        backlogFull = true;
                    }
                }
                EventLog log = new EventLog();
                AtomicReference<SocketContext<Void, int[]>> context = new AtomicReference<>();
                AtomicReference<Socket<int[]>> connecting = new AtomicReference<>();
                String armedState = tl.call(() -> {
                    SocketContext<Void, int[]> ctx = mode.context(tl.loop());
                    context.set(ctx);
                    ctx.onOpen((s, isClient) -> log.add("open"))
                            .onConnectError((s, code, reason) -> log.add("connectError:" + code))
                            .onClose((s, code, reason) -> log.add("close:" + code))
                            .onTimeout(s -> {
                                int ticks = Ticks.between(s.ext()[0], s.context().timestamp());
                                boolean established = s.isEstablished();
                                log.add("timeout:established=" + established + ":ticks=" + ticks);
                                if (established) {
                                    s.close();
                                } else {
                                    s.closeConnecting();
                                }
                                log.add("after:isClosed=" + s.isClosed());
                            });
                    Socket<int[]> s = ctx.connect("127.0.0.1", server.getLocalPort());
                    s.setExt(new int[] {ctx.timestamp()});
                    s.timeout(1);
                    connecting.set(s);
                    return "established=" + s.isEstablished() + ":closed=" + s.isClosed();
                });
                assertEquals("established=false:closed=false", armedState, "a socket just returned by connect");
                log.await("timeout:", 1);
                Ticks.await(tl, context.get(), 3);
                List<String> events = log.snapshot();
                String timeout = log.first(e -> e.startsWith("timeout:"));
                int ticks = Integer.parseInt(timeout.substring(timeout.indexOf("ticks=") + 6));
                assertTrue(ticks >= MIN_TICKS && ticks <= MAX_TICKS, "connect timeout after " + ticks + " ticks: "
                        + events);
                assertEquals(1, log.count("timeout:"), "onTimeout once: " + events);
                assertEquals(1, log.count("after:isClosed=true"), events.toString());
                if (backlogFull) {
                    assertEquals(List.of(timeout, "after:isClosed=true"), events,
                            "with the accept queue full the connect is still pending: onTimeout, then no callback "
                                    + "after closeConnecting()");
                    assertTrue(timeout.startsWith("timeout:established=false"), events.toString());
                } else {
                    System.out.println("timeoutFiresOnSocketThatIsStillConnecting[" + backend
                            + "]: the accept queue never filled; the connect may have completed: " + events);
                }
                assertFalse(tl.call(() -> connecting.get().isEstablished()), "isEstablished after the timeout");
            } finally {
                for (java.net.Socket f : fillers) {
                    try {
                        f.close();
                    } catch (IOException ignored) {
                        // Best effort: closing a filler only frees the backlog.
                    }
                }
            }
        }
    }
}
