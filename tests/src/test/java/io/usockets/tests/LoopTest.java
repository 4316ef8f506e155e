package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.Socket;
import io.usockets.SocketContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop itself: wakeup, defer, pre/post, run() returning, free(), iteration numbers, backends and ext. */
class LoopTest {

    private static final int THREADS = 8;
    private static final int PER_THREAD = 10_000;

    /** Starts {@code THREADS} threads that wait on one gate, run {@code body(index)}, and returns them started. */
    private static List<Thread> startAll(String name, java.util.function.IntConsumer body, CountDownLatch gate) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                body.accept(index);
            }, name + "-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void wakeupFromEightThreadsCoalescesAndTheCallbackSeesEveryFinalWrite(String backend) {
        // Plain (non-volatile) slots: only the wakeup's own happens-before edge makes the writes visible.
        long[] slots = new long[THREADS];
        AtomicInteger wakeupCalls = new AtomicInteger();
        AtomicInteger wrongThread = new AtomicInteger();
        CompletableFuture<Long> sawAllFinal = new CompletableFuture<>();
        try (TestLoop tl = TestLoop.start(backend, b -> b.onWakeup(loop -> {
            wakeupCalls.incrementAndGet();
            if (!loop.inLoopThread()) {
                wrongThread.incrementAndGet();
            }
            for (long v : slots) {
                if (v != PER_THREAD) {
                    return;
                }
            }
            sawAllFinal.complete(loop.iterationNumber());
        }))) {
            CountDownLatch gate = new CountDownLatch(1);
            Loop loop = tl.loop();
            List<Thread> threads = startAll("waker", i -> {
                for (int k = 1; k <= PER_THREAD; k++) {
                    slots[i] = k;
                    loop.wakeup();
                }
            }, gate);
            gate.countDown();
            for (Thread t : threads) {
                Waits.join(t);
            }
            assertNotNull(TestLoop.await(sawAllFinal), "the wakeup callback never saw every thread's last write");
            tl.roundTrip(); // a wakeup posted before the threads ended may still call back once: let it
            assertTrue(wakeupCalls.get() >= 1, "the wakeup callback never ran");
            assertEquals(0, wrongThread.get(), "wakeup callbacks off the loop thread");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void deferOfEightyThousandTasksFromEightThreadsRunsEachOnceInPerThreadOrder(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            // Touched only on the loop thread; read back through tl.call.
            int[] runs = new int[THREADS * PER_THREAD];
            int[] lastSeen = new int[THREADS];
            int[] outOfOrder = new int[1];
            int[] offLoopThread = new int[1];
            AtomicInteger total = new AtomicInteger();
            Loop loop = tl.loop();
            CountDownLatch gate = new CountDownLatch(1);
            List<Thread> threads = startAll("deferrer", i -> {
                for (int k = 1; k <= PER_THREAD; k++) {
                    int seq = k;
                    loop.defer(() -> {
                        if (!loop.inLoopThread()) {
                            offLoopThread[0]++;
                        }
                        if (lastSeen[i] != seq - 1) {
                            outOfOrder[0]++;
                        }
                        lastSeen[i] = seq;
                        runs[i * PER_THREAD + seq - 1]++;
                        total.incrementAndGet();
                    });
                }
            }, gate);
            gate.countDown();
            for (Thread t : threads) {
                Waits.join(t);
            }
            Waits.waitUntil(() -> total.get() >= THREADS * PER_THREAD, "all deferred tasks to run");
            tl.run(() -> { });
            String problems = tl.call(() -> {
                StringBuilder bad = new StringBuilder();
                for (int i = 0; i < runs.length; i++) {
                    if (runs[i] != 1) {
                        bad.append("task ").append(i / PER_THREAD).append('/').append(i % PER_THREAD + 1)
                                .append(" ran ").append(runs[i]).append(" times; ");
                        if (bad.length() > 500) {
                            break;
                        }
                    }
                }
                if (outOfOrder[0] != 0) {
                    bad.append(outOfOrder[0]).append(" tasks out of their thread's order; ");
                }
                if (offLoopThread[0] != 0) {
                    bad.append(offLoopThread[0]).append(" tasks off the loop thread; ");
                }
                return bad.toString();
            });
            assertEquals("", problems);
            assertEquals(THREADS * PER_THREAD, total.get(), "tasks run");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void preAndPostRunOncePerIterationAndIterationNumberAdvancesWithThem(String backend) {
        // Touched only on the loop thread.
        long[] counts = new long[2];
        long[] lastPreIteration = {-1};
        List<String> violations = new ArrayList<>();
        boolean[] insideIteration = new boolean[1];
        try (TestLoop tl = TestLoop.start(backend, b -> b.onPre(loop -> {
            long it = loop.iterationNumber();
            if (insideIteration[0]) {
                violations.add("pre twice without post at iteration " + it);
            }
            if (lastPreIteration[0] >= 0 && it != lastPreIteration[0] + 1) {
                violations.add("pre at iteration " + it + " after pre at " + lastPreIteration[0]);
            }
            lastPreIteration[0] = it;
            insideIteration[0] = true;
            counts[0]++;
        }).onPost(loop -> {
            if (!insideIteration[0]) {
                violations.add("post without pre at iteration " + loop.iterationNumber());
            } else if (loop.iterationNumber() != lastPreIteration[0]) {
                violations.add("post at iteration " + loop.iterationNumber() + " after pre at " + lastPreIteration[0]);
            }
            insideIteration[0] = false;
            counts[1]++;
        }))) {
            long[] first = tl.call(() -> new long[] {counts[0], counts[1], tl.loop().iterationNumber()});
            for (int i = 0; i < 50; i++) {
                tl.run(() -> { });
            }
            tl.awaitTimer(5); // an iteration woken by a timer, not by a deferred task
            long[] last = tl.call(() -> new long[] {counts[0], counts[1], tl.loop().iterationNumber()});
            long pre = last[0];
            long post = last[1];
            assertTrue(Math.abs(pre - post) <= 1, "pre " + pre + " and post " + post + " calls");
            assertTrue(last[2] - first[2] >= 2, "iterationNumber advanced only from " + first[2] + " to " + last[2]);
            assertEquals(last[2] - first[2], last[0] - first[0], "pre calls per iteration");
            assertEquals(List.of(), tl.call(() -> new ArrayList<>(violations)));
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void runReturnsWhenTheLastSocketAndListenSocketClose(String backend) throws Exception {
        int baseline = TestLoop.descriptorBaseline();
        EventLog log = new EventLog();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        AtomicReference<ListenSocket> listener = new AtomicReference<>();
        try (OwnLoop own = OwnLoop.start(backend, b -> { }, loop -> {
            SocketContext<Void, Void> ctx = loop.createSocketContext();
            ctx.onData((s, data) -> {
                log.add("data");
                s.close();
                listener.get().close();
                log.add("closedBoth:listenClosed=" + listener.get().isClosed());
            }).onClose((s, code, reason) -> log.add("close:" + code));
            listener.set(ctx.listen("127.0.0.1", 0));
            port.complete(listener.get().port());
        })) {
            try (Peer peer = Peer.connect(TestLoop.await(port))) {
                assertTrue(!own.runHasReturned(), "run() returned while a listen socket was open");
                peer.write("bye");
                assertTrue(own.awaitRunReturned(), "run() did not return after everything closed: " + log);
                assertEquals(false, own.freedWhenRunReturned(), "run() returned because the loop was freed");
                assertTrue(peer.readEnd() != null);
            }
        }
        assertEquals(List.of("data", "close:NORMAL", "closedBoth:listenClosed=true"), log.snapshot());
        TestLoop.assertNoDescriptorLeak(baseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void freeClosesEveryOpenSocketWithLoopFreedExactlyOnce(String backend) throws Exception {
        // Keyed by socket object; values are the close codes seen.
        Map<Socket<?>, List<String>> closes = java.util.Collections.synchronizedMap(new IdentityHashMap<>());
        AtomicInteger opened = new AtomicInteger();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = tl.call(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext();
                SocketContext<Void, Void> client = tl.loop().createSocketContext();
                for (SocketContext<Void, Void> ctx : List.of(server, client)) {
                    ctx.onOpen((s, isClient) -> {
                        opened.incrementAndGet();
                        closes.put(s, new ArrayList<>());
                    }).onClose((s, code, reason) -> closes.get(s).add(code + ":isClosed=" + s.isClosed()));
                }
                int p = server.listen("127.0.0.1", 0).port();
                client.connect("127.0.0.1", p);
                client.connect("127.0.0.1", p);
                return p;
            });
            try (Peer a = Peer.connect(port); Peer b = Peer.connect(port)) {
                // Two java.net peers (2 accepted sockets) and two us_* clients (2 + 2 sockets).
                Waits.waitUntil(() -> opened.get() == 6, "six open sockets, have " + opened.get());
                tl.run(() -> tl.loop().free());
                tl.awaitEnd();
                assertNotNull(a.readEnd(), "peer a after free()");
                assertNotNull(b.readEnd(), "peer b after free()");
            }
            assertTrue(tl.loop().isFreed(), "isFreed() after free()");
            try (Peer late = Peer.connect(port)) {
                throw new AssertionError("the listen socket still accepts after free(): " + late.localPort());
            } catch (java.net.ConnectException expected) {
                // Refused: free() closed the listen socket.
            }
            synchronized (closes) {
                assertEquals(6, closes.size());
                for (List<String> codes : closes.values()) {
                    assertEquals(List.of(CloseCode.LOOP_FREED + ":isClosed=true"), codes, "onClose of one socket");
                }
            }
        }
    }

    /**
     * free() closes the sockets waiting in the low-priority queue too (docs/RULES.md I10). It once asked the eventing
     * for an iteration as the first of them closed; a Vert.x host opens that iteration at once inside its own task,
     * and opening it released the next queued sockets into a context free() had already passed, so they stayed
     * open. Scripted, not loaded: the loop is held in a deferred task while ten peers connect and write a byte each,
     * so after the accepts all ten reads are ready in one poll. Every socket is low priority: five read (and close
     * themselves), five wait in the queue, and the first read frees the loop, which acts at the end of that iteration
     * with the context's list empty and the queue full.
     */
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void freeClosesTheSocketsWaitingInTheLowPriorityQueue(String backend) throws Exception {
        int peers = 10;
        AtomicInteger reads = new AtomicInteger();
        List<String> closes = java.util.Collections.synchronizedList(new ArrayList<>());
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ((io.usockets.core.CoreContext<?, ?>) ctx).setLowPriority(s -> true);
                ctx.onData((s, data) -> {
                    if (reads.incrementAndGet() == 1) {
                        tl.loop().free();
                    }
                    s.close();
                }).onClose((s, code, reason) -> closes.add(code.toString()));
                return ctx.listen("127.0.0.1", 0).port();
            });
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            tl.loop().defer(() -> {
                held.countDown();
                TestLoop.await(release);
            });
            List<Peer> clients = new ArrayList<>();
            try {
                TestLoop.await(held);
                for (int i = 0; i < peers; i++) {
                    Peer p = Peer.connect(port);
                    clients.add(p);
                    p.write("x");
                }
                release.countDown();
                tl.awaitEnd();
                for (Peer p : clients) {
                    assertNotNull(p.readEnd(), "a peer after free()");
                }
            } finally {
                release.countDown();
                for (Peer p : clients) {
                    p.close();
                }
            }
        }
        assertEquals(5, reads.get(), "reads in the iteration that freed the loop (the low-priority budget)");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < peers; i++) {
            expected.add((i < 5 ? CloseCode.NORMAL : CloseCode.LOOP_FREED).toString());
        }
        List<String> seen;
        synchronized (closes) {
            seen = new ArrayList<>(closes);
        }
        seen.sort(null);
        expected.sort(null);
        assertEquals(expected, seen, "onClose of the ten sockets");
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void freeInsideACallbackTakesEffectAtTheEndOfTheIterationAndRunReturns(String backend) throws Exception {
        int baseline = TestLoop.descriptorBaseline();
        EventLog log = new EventLog();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        AtomicReference<ListenSocket> listener = new AtomicReference<>();
        AtomicReference<io.usockets.Timer<Void>> timer = new AtomicReference<>();
        AtomicReference<String> afterRun = new AtomicReference<>();
        AtomicReference<Thread> dataThread = new AtomicReference<>();
        AtomicReference<Thread> closeThread = new AtomicReference<>();
        try (OwnLoop own = OwnLoop.start(backend, b -> { }, loop -> {
            SocketContext<Void, Void> ctx = loop.createSocketContext();
            ctx.onData((s, data) -> {
                dataThread.set(Thread.currentThread());
                loop.free();
                log.add("afterFree:isFreed=" + loop.isFreed() + ":socketClosed=" + s.isClosed() + ":listenClosed="
                        + listener.get().isClosed() + ":timerClosed=" + timer.get().isClosed());
            }).onClose((s, code, reason) -> {
                closeThread.set(Thread.currentThread());
                log.add("close:" + code);
            });
            listener.set(ctx.listen("127.0.0.1", 0));
            io.usockets.Timer<Void> t = loop.createTimer(false);
            t.set(x -> log.add("timer"), 60_000, 60_000);
            timer.set(t);
            port.complete(listener.get().port());
        }, loop -> afterRun.set("isFreed=" + loop.isFreed() + ":listenClosed=" + listener.get().isClosed()
                + ":timerClosed=" + timer.get().isClosed()))) {
            try (Peer peer = Peer.connect(TestLoop.await(port))) {
                peer.write("free");
                assertTrue(own.awaitRunReturned(), "run() did not return after free() in a callback");
                assertTrue(own.freedWhenRunReturned(), "the loop was not freed when run() returned");
                assertNotNull(peer.readEnd(), "the peer after free()");
            }
        }
        assertEquals(List.of("afterFree:isFreed=false:socketClosed=false:listenClosed=false:timerClosed=false",
                "close:LOOP_FREED"), log.snapshot(), "free() inside onData acts after the iteration");
        assertEquals("isFreed=true:listenClosed=true:timerClosed=true", afterRun.get(), "after run() returned");
        // On the loop thread, at the end of the iteration: not on run()'s caller as it returns (a standalone Vert.x
        // loop runs its callbacks on Vert.x's thread, not on the thread blocked in run()).
        assertSame(dataThread.get(), closeThread.get(), backend + ": onClose(LOOP_FREED) ran on "
                + closeThread.get() + ", onData on " + dataThread.get());
        TestLoop.assertNoDescriptorLeak(baseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void iterationNumberGrows(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            long previous = tl.call(() -> tl.loop().iterationNumber());
            long first = previous;
            for (int i = 0; i < 10; i++) {
                long now = tl.call(() -> tl.loop().iterationNumber());
                assertTrue(now >= previous, "iterationNumber went back from " + previous + " to " + now);
                previous = now;
            }
            tl.awaitTimer(20);
            long last = tl.call(() -> tl.loop().iterationNumber());
            assertTrue(first >= 1, "iterationNumber inside a running loop is " + first);
            assertTrue(last > first, "iterationNumber stayed at " + first);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void availableBackendsContainTheLoopsBackend(String caseName) {
        String backend = Backends.backendOf(caseName);
        assertTrue(Loop.availableBackends().contains(backend), Loop.availableBackends() + " lacks " + backend);
        try (TestLoop tl = TestLoop.start(caseName)) {
            assertEquals(backend, tl.call(() -> tl.loop().backend()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void loopExtRoundTrips(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            Object ext = new Object();
            List<Object> seen = tl.call(() -> {
                List<Object> values = new ArrayList<>();
                values.add(tl.loop().ext());
                tl.loop().setExt(ext);
                values.add(tl.loop().ext());
                return values;
            });
            assertEquals(null, seen.get(0), "a new loop's ext");
            assertTrue(seen.get(1) == ext, "ext() after setExt");
            assertTrue(tl.call(() -> tl.loop().ext()) == ext, "ext() on a later iteration");
        }
    }
}
