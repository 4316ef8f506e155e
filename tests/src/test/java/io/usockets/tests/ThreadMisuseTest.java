package io.usockets.tests;

import io.usockets.ListenSocket;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.Timer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/RULES.md B1: from a thread other than the loop's only wakeup() and defer() are allowed; anything else throws
 * IllegalStateException naming the calling and the loop thread. Bad arguments throw IllegalArgumentException naming
 * the value. Foreign calls are made from a thread with a distinctive name so the message check cannot pass by chance.
 */
class ThreadMisuseTest {

    private static final String CALLER = "foreign-caller-7f3a";

    /** A server context on the loop, its port, and the first accepted socket once a peer connects. */
    private static final class Server {
        SocketContext<Void, Void> context;
        int port;
        final CompletableFuture<Socket<Void>> accepted = new CompletableFuture<>();
        final EventLog log = new EventLog();
    }

    private static Server server(TestLoop tl) {
        Server server = new Server();
        tl.run(() -> {
            server.context = tl.loop().createSocketContext();
            server.context.onOpen((s, isClient) -> server.accepted.complete(s))
                    .onData((s, data) -> server.log.add("data:" + Buffers.ascii(data)))
                    .onClose((s, code, reason) -> server.log.add("close:" + code));
            server.port = server.context.listen("127.0.0.1", 0).port();
        });
        return server;
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void socketWriteFromAForeignThreadThrowsNamingBothThreads(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            Server server = server(tl);
            try (Peer peer = Peer.connect(server.port)) {
                Socket<Void> s = TestLoop.await(server.accepted);
                Throwable thrown = ForeignThreads.thrownOnThread(CALLER, () -> s.write(Buffers.ascii("nope")));
                ForeignThreads.assertMisuse(thrown, CALLER, tl.thread());
                // The refused call wrote nothing and broke nothing: the socket still works from the loop thread.
                assertEquals(3, (int) tl.call(() -> s.write(Buffers.ascii("yes"))));
                assertEquals("yes", peer.readAscii(3));
                assertEquals(0, server.log.count("close:"), "the socket closed: " + server.log);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void contextListenFromAForeignThreadThrowsNamingBothThreads(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            SocketContext<Void, Void> ctx = tl.call(() -> tl.loop().createSocketContext());
            AtomicReference<ListenSocket> leaked = new AtomicReference<>();
            Throwable thrown = ForeignThreads.thrownOnThread(CALLER, () -> leaked.set(ctx.listen("127.0.0.1", 0)));
            ForeignThreads.assertMisuse(thrown, CALLER, tl.thread());
            assertNull(leaked.get(), "a listen socket was created from a foreign thread");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void loopCreateTimerFromAForeignThreadThrowsNamingBothThreads(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            Throwable thrown = ForeignThreads.thrownOnThread(CALLER, () -> tl.loop().createTimer(false));
            ForeignThreads.assertMisuse(thrown, CALLER, tl.thread());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void loopRunFromAForeignThreadWhileItRunsThrowsNamingBothThreads(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            // TestLoop.start returns before run() starts; a deferred task runs only once the loop runs.
            tl.run(() -> { });
            Throwable thrown = ForeignThreads.thrownOnThread(CALLER, () -> tl.loop().run());
            ForeignThreads.assertMisuse(thrown, CALLER, tl.thread());
            // The loop is still driven by its own thread.
            assertTrue(tl.call(() -> Thread.currentThread() == tl.thread()), "the loop thread changed");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void timerSetFromAForeignThreadThrowsNamingBothThreadsAndDoesNotArm(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            Timer<Void> timer = tl.call(() -> tl.loop().createTimer(true));
            Throwable thrown = ForeignThreads.thrownOnThread(CALLER, () -> timer.set(t -> log.add("fired"), 1, 0));
            ForeignThreads.assertMisuse(thrown, CALLER, tl.thread());
            tl.awaitTimer(20); // had the foreign set() armed it, the timer was due after 1 ms, before this witness
            assertEquals(List.of(), log.snapshot(), "a timer armed from a foreign thread fired");
            tl.run(timer::close);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void wakeupAndDeferFromAForeignThreadAreAllowed(String backend) {
        EventLog log = new EventLog();
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        try (TestLoop tl = TestLoop.start(backend, b -> b.onWakeup(loop -> {
            if (Thread.currentThread() == loopThread.get()) {
                log.add("wakeup");
            }
        }))) {
            loopThread.set(tl.thread());
            Throwable thrown = ForeignThreads.thrownOnThread(CALLER, () -> {
                tl.loop().wakeup();
                tl.loop().defer(() -> log.add("deferred:onLoopThread=" + (Thread.currentThread() == tl.thread())
                        + ":inLoopThread=" + tl.loop().inLoopThread()));
                log.add("foreign:inLoopThread=" + tl.loop().inLoopThread());
            });
            assertNull(thrown, "wakeup() or defer() threw on a foreign thread");
            log.await("deferred:", 1);
            log.await("wakeup", 1);
            tl.roundTrip();
            assertEquals(1, log.count("deferred:onLoopThread=true:inLoopThread=true"), log.toString());
            assertEquals(1, log.count("foreign:inLoopThread=false"), log.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    @SuppressWarnings("try") // the second peer only holds a connection open
    void badArgumentsThrowIllegalArgumentExceptionNamingTheValue(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            Server server = server(tl);
            List<String> problems = tl.call(() -> {
                List<String> bad = new ArrayList<>();
                SocketContext<Void, Void> ctx = server.context;
                expectNamed(bad, "listen port -1", "-1", () -> ctx.listen("127.0.0.1", -1));
                expectNamed(bad, "listen port 65536", "65536", () -> ctx.listen("127.0.0.1", 65536));
                expectNamed(bad, "connect port -1", "-1", () -> ctx.connect("127.0.0.1", -1));
                expectNamed(bad, "connect port 70000", "70000", () -> ctx.connect("127.0.0.1", 70000));
                Timer<Void> t = tl.loop().createTimer(true);
                expectNamed(bad, "timer delay -5", "-5", () -> t.set(x -> { }, -5, 0));
                t.close();
                return bad;
            });
            assertEquals(List.of(), problems);
            // A null host means all interfaces: the port is reachable on 127.0.0.1.
            int anyPort = tl.call(() -> server.context.listen(null, 0).port());
            assertTrue(anyPort > 0 && anyPort <= 65535, "port of listen(null, 0): " + anyPort);
            try (Peer peer = Peer.connect(anyPort); Peer second = Peer.connect(server.port)) {
                Socket<Void> s = TestLoop.await(server.accepted);
                List<String> timeoutProblems = tl.call(() -> {
                    List<String> bad = new ArrayList<>();
                    expectNamed(bad, "timeout(-7)", "-7", () -> s.timeout(-7));
                    expectNamed(bad, "timeout(100000)", "100000", () -> s.timeout(100_000));
                    expectNamed(bad, "longTimeout(240)", "240", () -> s.longTimeout(240));
                    return bad;
                });
                assertEquals(List.of(), timeoutProblems);
                peer.write("via-any");
                server.log.await("data:", 1);
                tl.roundTrip();
                assertEquals(1, server.log.count("data:via-any"), server.log.toString());
            }
        }
    }

    private static void expectNamed(List<String> bad, String what, String value, Runnable action) {
        try {
            action.run();
            bad.add(what + " did not throw");
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || !e.getMessage().contains(value)) {
                bad.add(what + ": the message does not name " + value + ": " + e.getMessage());
            }
        } catch (RuntimeException e) {
            bad.add(what + " threw " + e + " instead of IllegalArgumentException");
        }
    }
}
