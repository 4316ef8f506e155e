package io.usockets.backend.vertx;

import io.usockets.testsupport.TcpQueues;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.SingleThreadIoEventLoop;
import io.usockets.CloseCode;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.SocketContext;
import io.usockets.Timer;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What embedding in Vert.x promises beyond the conformance suite: callbacks on the event-loop thread inside the
 * hint's context, the two kinds of hint, handing a loop created elsewhere to Vert.x, freeing without stopping
 * Vert.x, Vert.x closing freeing the loop, batches, and the clear refusals.
 */
class VertxEmbeddingTest {

    private static final long WAIT_SECONDS = 20;

    private Vertx vertx;

    @BeforeEach
    void startVertx() {
        vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(2)).build();
    }

    @AfterEach
    void closeVertx() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Runs {@code action} on the context's thread and returns its result. */
    private static <T> T onContext(Context context, Supplier<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                result.complete(action.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static String roundTrip(int port, String message) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            s.getOutputStream().write(message.getBytes(StandardCharsets.US_ASCII));
            byte[] reply = s.getInputStream().readNBytes(message.length());
            return new String(reply, StandardCharsets.US_ASCII);
        }
    }

    @Test
    void everyCallbackRunsOnTheEventLoopThreadInsideTheHintContext() throws Exception {
        Context context = vertx.getOrCreateContext();
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicInteger seen = new AtomicInteger();
        Thread[] eventLoop = new Thread[1];
        Runnable check = () -> {
            seen.incrementAndGet();
            if (Thread.currentThread() != eventLoop[0] || Vertx.currentContext() != context) {
                violations.add(Thread.currentThread().getName() + " / " + Vertx.currentContext());
            }
        };
        CountDownLatch closed = new CountDownLatch(1);
        CountDownLatch timerFired = new CountDownLatch(1);
        CountDownLatch woken = new CountDownLatch(1);
        Loop loop = onContext(context, () -> {
            eventLoop[0] = Thread.currentThread();
            return Loop.create(LoopOptions.builder().hint(context).onWakeup(l -> {
                check.run();
                woken.countDown();
            }).build());
        });
        int port = onContext(context, () -> {
            assertEquals("vertx", loop.backend());
            SocketContext<Void, Void> ctx = loop.createSocketContext();
            ctx.onOpen((s, client) -> check.run()).onData((s, data) -> {
                check.run();
                s.write(data);
            }).onEnd(s -> {
                check.run();
                s.close();
            }).onClose((s, code, reason) -> {
                check.run();
                closed.countDown();
            });
            Timer<Void> t = loop.createTimer(true);
            t.set(timer -> {
                check.run();
                timerFired.countDown();
            }, 10, 0);
            return ctx.listen("127.0.0.1", 0).port();
        });
        assertEquals("hello", roundTrip(port, "hello"));
        assertTrue(closed.await(WAIT_SECONDS, TimeUnit.SECONDS), "onClose");
        assertTrue(timerFired.await(WAIT_SECONDS, TimeUnit.SECONDS), "timer");
        CountDownLatch deferred = new CountDownLatch(1);
        loop.defer(() -> {
            check.run();
            deferred.countDown();
        });
        loop.wakeup();
        assertTrue(deferred.await(WAIT_SECONDS, TimeUnit.SECONDS), "deferred task");
        assertTrue(woken.await(WAIT_SECONDS, TimeUnit.SECONDS), "wakeup callback");
        onContext(context, () -> {
            loop.free();
            return null;
        });
        assertTrue(seen.get() >= 7, "callbacks seen: " + seen.get());
        assertEquals(List.of(), violations, "callbacks off the event-loop thread or outside the hint's context");
    }

    @Test
    void aVertxHintTakesAnEventLoopContextAndRunHandsTheLoopToIt() throws Exception {
        // Created on this (non-Vert.x) thread: set-up happens here, run() hands the loop over and waits.
        Loop loop = Loop.create(LoopOptions.builder().hint(vertx).build());
        SocketContext<Void, Void> ctx = loop.createSocketContext();
        List<String> seen = new CopyOnWriteArrayList<>();
        ListenSocket ls = ctx.listen("127.0.0.1", 0);
        ctx.onData((s, data) -> {
            Context current = Vertx.currentContext();
            seen.add(Context.isOnEventLoopThread() + " " + (current != null && current.owner() == vertx));
            s.write(data);
            ls.close(); // the last non-fallthrough poll once this socket closes
        }).onEnd(io.usockets.Socket::close);
        int port = ls.port();
        CompletableFuture<String> echoed = CompletableFuture.supplyAsync(() -> {
            try {
                return roundTrip(port, "ping");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        loop.run();
        assertEquals("ping", echoed.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(List.of("true true"), seen);
        assertTrue(loop.inLoopThread(), "run() gives the loop back to the calling thread");
        loop.free();
        assertTrue(loop.isFreed());
        assertTrue(onContext(vertx.getOrCreateContext(), () -> true), "Vert.x still runs after free()");
    }

    @Test
    void integrateHandsALoopCreatedElsewhereToVertxForGood() throws Exception {
        Loop loop = Loop.create(LoopOptions.builder().hint(vertx).build());
        SocketContext<Void, Void> ctx = loop.createSocketContext();
        ctx.onData((s, data) -> s.write(data)).onEnd(io.usockets.Socket::close);
        int port = ctx.listen("127.0.0.1", 0).port();
        loop.integrate();
        assertEquals("after", roundTrip(port, "after"));
        IllegalStateException e = assertThrows(IllegalStateException.class, loop::createSocketContext);
        assertTrue(e.getMessage().contains(Thread.currentThread().getName()) && e.getMessage().contains("vert.x"),
                e.getMessage());
        IllegalStateException run = assertThrows(IllegalStateException.class, loop::run);
        assertTrue(run.getMessage().contains(Thread.currentThread().getName()), run.getMessage());
        CompletableFuture<Void> freed = new CompletableFuture<>();
        loop.defer(() -> {
            loop.free();
            freed.complete(null);
        });
        freed.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void freeingAnEmbeddedLoopClosesOurSocketsAndLeavesVertxRunning() throws Exception {
        Context context = vertx.getOrCreateContext();
        io.netty.channel.IoEventLoop eventLoop = VertxAccess.of(context).eventLoop();
        // Netty's own registration count (protected: it decides whether the loop may suspend).
        java.lang.reflect.Method count = SingleThreadIoEventLoop.class.getDeclaredMethod("getNumOfRegisteredChannels");
        count.setAccessible(true);
        Supplier<Integer> registrations = () -> {
            try {
                return (Integer) count.invoke(eventLoop);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        };
        int before = onContext(context, registrations);
        List<CloseCode> codes = new CopyOnWriteArrayList<>();
        CountDownLatch open = new CountDownLatch(2);
        Loop loop = onContext(context, () -> Loop.create(LoopOptions.builder().hint(context).build()));
        int port = onContext(context, () -> {
            SocketContext<Void, Void> ctx = loop.createSocketContext();
            ctx.onOpen((s, client) -> open.countDown()).onClose((s, code, reason) -> codes.add(code));
            return ctx.listen("127.0.0.1", 0).port();
        });
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            assertTrue(open.await(WAIT_SECONDS, TimeUnit.SECONDS), "two sockets open");
            assertEquals(before + 3, (int) onContext(context, registrations),
                    "one registration per poll (listen socket and two sockets)");
            onContext(context, () -> {
                loop.free();
                return null;
            });
            for (Socket peer : new Socket[] {a, b}) {
                peer.setSoTimeout(10_000);
                assertEquals(-1, peer.getInputStream().read(), "the peer sees the close");
            }
        }
        assertTrue(loop.isFreed());
        assertEquals(List.of(CloseCode.LOOP_FREED, CloseCode.LOOP_FREED), codes);
        assertEquals(before, (int) onContext(context, registrations),
                "cancelling through Netty's registration wrapper keeps its count right");
        CompletableFuture<Long> timer = new CompletableFuture<>();
        vertx.setTimer(1, timer::complete);
        assertTrue(timer.get(WAIT_SECONDS, TimeUnit.SECONDS) >= 0, "Vert.x still runs timers after free()");
    }

    @Test
    void closingVertxFreesTheLoopWithTheUsualCallbacks() throws Exception {
        Context context = vertx.getOrCreateContext();
        List<String> closes = new CopyOnWriteArrayList<>();
        CountDownLatch open = new CountDownLatch(2);
        Loop loop = onContext(context, () -> Loop.create(LoopOptions.builder().hint(context).build()));
        int port = onContext(context, () -> {
            SocketContext<Void, Void> ctx = loop.createSocketContext();
            ctx.onOpen((s, client) -> open.countDown())
                    .onClose((s, code, reason) -> closes.add(code + " " + (Vertx.currentContext() == context)));
            return ctx.listen("127.0.0.1", 0).port();
        });
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            assertTrue(open.await(WAIT_SECONDS, TimeUnit.SECONDS), "two sockets open");
            vertx.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            vertx = null;
            for (Socket peer : new Socket[] {a, b}) {
                peer.setSoTimeout(10_000);
                assertEquals(-1, peer.getInputStream().read(), "the peer sees the close");
            }
        }
        assertTrue(loop.isFreed(), "closing Vert.x frees the loop");
        assertEquals(List.of("LOOP_FREED true", "LOOP_FREED true"), closes);
    }

    @Test
    void preAndPostRunOncePerBatchOfEvents() throws Exception {
        Context context = vertx.getOrCreateContext();
        AtomicInteger pre = new AtomicInteger();
        AtomicInteger post = new AtomicInteger();
        AtomicInteger unbalanced = new AtomicInteger();
        AtomicInteger data = new AtomicInteger();
        int connections = 20;
        CountDownLatch allOpen = new CountDownLatch(connections);
        Loop loop = onContext(context, () -> Loop.create(LoopOptions.builder().hint(context).onPre(l -> {
            if (pre.incrementAndGet() != post.get() + 1) {
                unbalanced.incrementAndGet();
            }
        }).onPost(l -> {
            if (post.incrementAndGet() != pre.get()) {
                unbalanced.incrementAndGet();
            }
        }).build()));
        int port = onContext(context, () -> {
            SocketContext<Void, Void> ctx = loop.createSocketContext();
            ctx.onOpen((s, client) -> allOpen.countDown()).onData((s, bytes) -> data.incrementAndGet());
            return ctx.listen("127.0.0.1", 0).port();
        });
        Socket[] peers = new Socket[connections];
        try {
            for (int i = 0; i < connections; i++) {
                peers[i] = new Socket("127.0.0.1", port);
            }
            assertTrue(allOpen.await(WAIT_SECONDS, TimeUnit.SECONDS), "all open");
            // Hold the event loop while every peer writes, so one select reports all of them: one batch.
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            context.runOnContext(v -> {
                holding.countDown();
                try {
                    release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(holding.await(WAIT_SECONDS, TimeUnit.SECONDS));
            int iterationsBefore = pre.get();
            try {
                for (Socket peer : peers) {
                    peer.getOutputStream().write('x');
                    peer.getOutputStream().flush();
                }
                // Every byte waits at its server socket before the event loop selects again: one batch.
                for (Socket peer : peers) {
                    int peerPort = peer.getLocalPort();
                    TcpQueues.await(() -> TcpQueues.unread(port, peerPort) > 0, "the byte of peer " + peerPort);
                }
            } finally {
                release.countDown();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (data.get() < connections && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(connections, data.get(), "every peer's byte arrived");
            int iterations = onContext(context, pre::get) - iterationsBefore;
            assertTrue(iterations < connections, connections + " readable sockets took " + iterations
                    + " iterations; expected them batched");
            assertEquals(0, unbalanced.get(), "pre and post alternate");
            assertEquals((int) onContext(context, pre::get), (int) onContext(context, post::get));
        } finally {
            for (Socket peer : peers) {
                if (peer != null) {
                    peer.close();
                }
            }
            onContext(context, () -> {
                loop.free();
                return null;
            });
        }
    }

    @Test
    void aWorkerContextHintIsRefused() throws Exception {
        CompletableFuture<Context> worker = new CompletableFuture<>();
        vertx.deployVerticle(new AbstractVerticle() {
            @Override
            public void start() {
                worker.complete(context);
            }
        }, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER));
        Context context = worker.get(WAIT_SECONDS, TimeUnit.SECONDS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Loop.create(LoopOptions.builder().hint(context).build()));
        assertTrue(e.getMessage().contains("WORKER") && e.getMessage().contains("event-loop context"), e.getMessage());
    }

    @Test
    void runOnTheEventLoopThreadIsRefused() throws Exception {
        Context context = vertx.getOrCreateContext();
        String message = onContext(context, () -> {
            Loop loop = Loop.create(LoopOptions.builder().hint(context).build());
            try {
                loop.run();
                return "run() returned";
            } catch (IllegalStateException e) {
                return e.getMessage();
            } finally {
                loop.free();
            }
        });
        assertTrue(message.contains("event-loop thread") && message.contains("vert.x-eventloop-thread"), message);
    }

    @Test
    void anEventLoopOfAnotherTransportIsRefusedWithTheReason() {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        try {
            String reason = VertxBackend.unsupportedTransport((io.netty.channel.IoEventLoop) group.next());
            assertTrue(reason.contains("does not support") && reason.contains("vertx"), reason);
            assertFalse(((io.netty.channel.IoEventLoop) group.next()).isCompatible(NioChannelHandle.class));
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void standaloneLoopOwnsAVertxWithOneEventLoopAndClosesItOnFree() throws Exception {
        Loop loop = Loop.create(LoopOptions.builder().backend("vertx").build());
        SocketContext<Void, Void> ctx = loop.createSocketContext();
        List<String> threads = new CopyOnWriteArrayList<>();
        ListenSocket ls = ctx.listen("127.0.0.1", 0);
        ctx.onData((s, bytes) -> {
            threads.add(Thread.currentThread().getName() + " " + (Vertx.currentContext() != null));
            s.write(bytes);
            ls.close();
        }).onEnd(io.usockets.Socket::close);
        int port = ls.port();
        CompletableFuture<String> echoed = CompletableFuture.supplyAsync(() -> {
            try {
                return roundTrip(port, "solo");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        loop.run();
        assertEquals("solo", echoed.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, threads.size());
        assertTrue(threads.get(0).startsWith("vert.x-eventloop-thread-0 true"), threads.get(0));
        long before = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vert.x-eventloop-thread")).count();
        loop.free();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        long after = before;
        while (after >= before && System.nanoTime() < deadline) {
            Thread.sleep(10);
            after = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("vert.x-eventloop-thread") && t.isAlive()).count();
        }
        assertTrue(after < before, "free() closes the loop's own Vert.x instance (event-loop threads " + before
                + " -> " + after + ")");
    }
}
