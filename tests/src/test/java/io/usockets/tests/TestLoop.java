package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.Timer;
import io.usockets.testsupport.OpenDescriptors;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A loop running on its own thread for one test, with the leak gate at {@link #close()}.
 *
 * <p>{@link #start} takes the descriptor baseline, creates the loop on a new thread (so that thread is the loop
 * thread), keeps it alive with a disarmed non-fallthrough timer and runs it. {@link #call} and {@link #run} execute
 * code on the loop thread and wait for it. {@link #close()} closes the keep-alive timer, frees the loop, joins the
 * thread, fails the test if a callback threw unexpectedly, and checks that no descriptor stayed open.
 * Timeout ticks default to 100 ms and long-timeout units to 400 ms, so timeout tests take about a second.
 *
 * <p>For an embedded case ({@code vertx+hint}, see {@link EmbeddedVertx}) the loop is created on the event-loop
 * thread of a Vert.x instance of its own, with that thread's context as the hint, as an application does it;
 * Vert.x drives it (no {@code run()}), {@link #thread()} is the event-loop thread, and {@link #close()} also closes
 * that Vert.x instance before the leak gate.
 */
public final class TestLoop implements AutoCloseable {

    /** How long any wait in a test may take before it fails. */
    public static final Duration WAIT = Duration.ofSeconds(20);
    /** The test timeout tick. */
    public static final Duration TICK = Duration.ofMillis(100);
    /** The test long-timeout unit (a "minute"). */
    public static final Duration LONG_UNIT = Duration.ofMillis(400);

    static {
        warmUp();
    }

    private final int descriptorBaseline;
    private final List<Throwable> callbackErrors = new CopyOnWriteArrayList<>();
    private volatile boolean callbackErrorsExpected;
    private final Thread thread;
    /** The thread callbacks run on: {@link #thread} except on a standalone Vert.x loop (its event-loop thread). */
    private final Thread loopThread;
    private final io.vertx.core.Vertx vertx;
    private final CompletableFuture<Loop> created = new CompletableFuture<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile Throwable runFailure;
    private Loop loop;
    private Timer<Void> keepAlive;

    private TestLoop(String caseName, Consumer<LoopOptions.Builder> customize) {
        this(caseName, customize, true);
    }

    private static TestLoop create(String caseName, Consumer<LoopOptions.Builder> customize) {
        if (EmbeddedVertx.isEmbedded(caseName)) {
            warmUpEmbedded(EmbeddedVertx.backendOf(caseName));
        }
        return new TestLoop(caseName, customize);
    }

    private TestLoop(String caseName, Consumer<LoopOptions.Builder> customize, boolean leakGate) {
        descriptorBaseline = leakGate ? OpenDescriptors.count() : -1;
        String backend = EmbeddedVertx.backendOf(caseName);
        if (EmbeddedVertx.isEmbedded(caseName)) {
            vertx = EmbeddedVertx.create(backend);
            io.vertx.core.Context context = vertx.getOrCreateContext();
            CompletableFuture<Thread> eventLoop = new CompletableFuture<>();
            context.runOnContext(v -> {
                eventLoop.complete(Thread.currentThread());
                try {
                    Loop l = Loop.create(options(backend, customize).hint(context).build());
                    keepAlive = l.createTimer(false);
                    created.complete(l);
                } catch (Throwable t) {
                    runFailure = t;
                    created.completeExceptionally(t);
                }
            });
            thread = await(eventLoop);
        } else {
            vertx = null;
            thread = new Thread(() -> body(backend, customize), "test-loop-" + backend);
            thread.setDaemon(true);
            thread.start();
        }
        loop = await(created);
        // A standalone Vert.x loop runs its callbacks on its own Vert.x event-loop thread: ask it (one defer).
        loopThread = vertx != null || !EmbeddedVertx.embeds(backend) ? thread : call(Thread::currentThread);
    }

    /**
     * Runs one connection on every backend once per JVM before any baseline is taken: the JDK keeps a descriptor
     * or two open forever after its first socket use (seen: one socket after the first NIO connect), which is not
     * a leak of ours.
     */
    private static void warmUp() {
        WarmUp.everyBackend();
    }

    /**
     * The warm-up's code, outside TestLoop: on a Vert.x backend its callbacks run on the event-loop thread, which
     * must not wait for TestLoop's class initializer (the thread running this).
     */
    private static final class WarmUp {
        static void everyBackend() {
            for (String backend : Loop.availableBackends()) {
                Loop l = Loop.create(LoopOptions.builder().backend(backend).build());
                try {
                    io.usockets.SocketContext<Void, Void> ctx = l.createSocketContext();
                    ctx.onOpen((s, client) -> s.close());
                    ctx.onConnectError((s, code, reason) -> { });
                    io.usockets.ListenSocket ls = ctx.listen("127.0.0.1", 0);
                    ctx.onClose((s, code, reason) -> {
                        if (!ls.isClosed()) {
                            ls.close();
                        }
                    });
                    ctx.connect("127.0.0.1", ls.port());
                    l.run();
                    warmUpTls(l);
                } finally {
                    l.free();
                }
            }
        }

        /**
         * One TLS handshake per backend: loading netty-tcnative keeps its jars and the random devices open for the
         * life of the JVM, which is not a leak of ours either.
         */
        static void warmUpTls(Loop l) {
            if (!Mode.tlsAvailable()) {
                return;
            }
            io.usockets.ssl.Certificates.Issued cert = io.usockets.ssl.Certificates.selfSigned("warm-up", "127.0.0.1");
            io.usockets.SocketContext<Void, Void> server = l.createSocketContext(
                    io.usockets.SocketContextOptions.tlsFromPem(cert.certificatePem(), cert.privateKeyPem()));
            io.usockets.ListenSocket ls = server.listen("127.0.0.1", 0);
            server.onOpen((s, client) -> {
                s.close();
                ls.close();
            });
            io.usockets.SocketContext<Void, Void> client =
                    l.createSocketContext(io.usockets.SocketContextOptions.tlsClient());
            client.onOpen((s, isClient) -> s.close());
            client.onConnectError((s, code, reason) -> ls.close());
            client.connect("127.0.0.1", ls.port());
            l.run();
        }
    }

    private static volatile boolean embeddedWarmedUp;

    /**
     * Creates, uses and closes one embedded loop before the first embedded case takes its baseline, so Vert.x's
     * once-per-JVM descriptors exist by then (not from the class initializer: the event-loop thread would wait on it).
     */
    private static synchronized void warmUpEmbedded(String backend) {
        if (!embeddedWarmedUp) {
            embeddedWarmedUp = true;
            try (TestLoop tl = new TestLoop(backend + EmbeddedVertx.SUFFIX, b -> { }, false)) {
                tl.call(() -> tl.loop().createSocketContext());
            }
        }
    }

    /**
     * The descriptor count for a leak gate, taken after the once-per-JVM warm-up (this class's initializer), so a
     * test that starts its own loop gets the same baseline as one using {@link #start}.
     */
    public static int descriptorBaseline() {
        return OpenDescriptors.count();
    }

    /** Starts a loop on {@code backend} with test timeouts. */
    public static TestLoop start(String backend) {
        return create(backend, b -> { });
    }

    /** Starts a loop on {@code backend}, letting the test adjust the options (after the test defaults). */
    public static TestLoop start(String backend, Consumer<LoopOptions.Builder> customize) {
        return create(backend, customize);
    }

    private LoopOptions.Builder options(String backend, Consumer<LoopOptions.Builder> customize) {
        LoopOptions.Builder b = LoopOptions.builder().backend(backend).timeoutGranularity(TICK)
                .longTimeoutGranularity(LONG_UNIT).callbackErrorHandler((l, source, error) -> {
                    callbackErrors.add(error);
                    if (source instanceof Socket<?> s) {
                        s.close(CloseCode.CALLBACK_FAILED, error);
                    }
                });
        customize.accept(b);
        return b;
    }

    private void body(String backend, Consumer<LoopOptions.Builder> customize) {
        try {
            Loop l = Loop.create(options(backend, customize).build());
            keepAlive = l.createTimer(false);
            created.complete(l);
            l.run();
        } catch (Throwable t) {
            runFailure = t;
            created.completeExceptionally(t);
        } finally {
            finished.countDown();
        }
    }

    /** The loop. */
    public Loop loop() {
        return loop;
    }

    /** The loop's thread: the thread its callbacks run on. */
    public Thread thread() {
        return loopThread;
    }

    /** Runs {@code action} on the loop thread and waits for it; exceptions are rethrown here. */
    public void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }

    /** Runs {@code action} on the loop thread and returns its result; exceptions are rethrown here. */
    public <T> T call(Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.defer(() -> {
            try {
                result.complete(action.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return await(result);
    }

    /**
     * A round trip through the loop: runs an empty task on the loop thread and waits for it. Every callback the loop
     * was dispatching when this was called has returned by then, and every event already dispatched in that iteration
     * has been logged: the quiescent point at which to count "exactly once".
     */
    public void roundTrip() {
        run(() -> { });
    }

    /**
     * Lets the loop run for {@code ticks} firings of a 10 ms timer and waits for them: at least that many iterations
     * pass, and events that were already in flight get their chance to be dispatched.
     */
    public void settle(int ticks) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        run(() -> {
            Timer<int[]> timer = loop.createTimer(true);
            timer.setExt(new int[1]);
            timer.set(t -> {
                if (++t.ext()[0] >= ticks) {
                    t.close();
                    done.complete(null);
                }
            }, 10, 10);
        });
        await(done);
    }

    /**
     * Waits until a one-shot witness timer armed now for {@code millis} has fired, then for a {@link #roundTrip()}.
     * Anything due before the witness, such as a wrong extra firing of a timer under test, was due when the witness
     * fired, so it has fired in that iteration or an earlier one, and the round trip lets that iteration end: the
     * test waits for an event, not for an amount of time.
     */
    public void awaitTimer(long millis) {
        CompletableFuture<Void> fired = new CompletableFuture<>();
        run(() -> loop.<Void>createTimer(true).set(t -> {
            t.close();
            fired.complete(null);
        }, millis, 0));
        await(fired);
        roundTrip();
    }

    /**
     * Waits until the loop has ended after a {@code free()}: its thread has finished, or, in the embedded case (where
     * the thread is Vert.x's and goes on), the loop reports itself freed.
     */
    public void awaitEnd() {
        if (vertx == null) {
            Waits.join(thread);
            return;
        }
        Waits.waitUntil(loop::isFreed, "the embedded loop to be freed");
    }

    /** Lets the next test-visible callback errors pass the gate (for tests about throwing callbacks). */
    public void expectCallbackErrors() {
        callbackErrorsExpected = true;
    }

    /** Exceptions thrown by callbacks so far. */
    public List<Throwable> callbackErrors() {
        return callbackErrors;
    }

    /** Waits for the future, failing the test after {@link #WAIT}. */
    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new AssertionError(cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out after " + WAIT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits for the latch, failing the test after {@link #WAIT}. */
    public static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS),
                    "timed out after " + WAIT + " with count " + latch.getCount());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Frees the loop on its thread, joins it and runs the leak gate. */
    @Override
    public void close() {
        if (vertx != null) {
            closeEmbedded();
        } else if (finished.getCount() > 0) {
            loop.defer(() -> {
                keepAlive.close();
                loop.free();
            });
            await(finished);
        }
        if (runFailure != null) {
            fail("the loop failed", runFailure);
        }
        assertTrue(loop.isFreed(), "loop not freed");
        if (!callbackErrorsExpected && !callbackErrors.isEmpty()) {
            AssertionError e = new AssertionError("a callback threw: " + callbackErrors.get(0), callbackErrors.get(0));
            throw e;
        }
        assertNoDescriptorLeak(descriptorBaseline);
    }

    /** The embedded case: frees the loop on its event loop, waits for that, then closes the Vert.x instance. */
    private void closeEmbedded() {
        try {
            if (loop != null && !loop.isFreed()) {
                loop.defer(() -> {
                    keepAlive.close();
                    loop.free();
                });
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (!loop.isFreed() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
        } finally {
            EmbeddedVertx.close(vertx);
            finished.countDown();
        }
    }

    /**
     * Fails unless the open descriptor count drops back to {@code baseline} within {@link #WAIT}, like every other
     * wait of the suite (a backend may close a descriptor a little after the loop is freed, later still on a loaded
     * machine).
     */
    public static void assertNoDescriptorLeak(int baseline) {
        if (baseline < 0) {
            return;
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        int now = OpenDescriptors.count();
        while (now > baseline && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            now = OpenDescriptors.count();
        }
        if (now > baseline) {
            assertEquals(baseline, now, "descriptors left open:\n" + OpenDescriptors.describe());
        }
    }
}
