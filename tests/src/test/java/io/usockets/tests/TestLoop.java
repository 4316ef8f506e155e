package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.Timer;

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
    private final CompletableFuture<Loop> created = new CompletableFuture<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile Throwable runFailure;
    private Loop loop;
    private Timer<Void> keepAlive;

    private TestLoop(String backend, Consumer<LoopOptions.Builder> customize) {
        descriptorBaseline = OpenDescriptors.count();
        thread = new Thread(() -> body(backend, customize), "test-loop-" + backend);
        thread.setDaemon(true);
        thread.start();
        loop = await(created);
    }

    /**
     * Runs one connection on every backend once per JVM before any baseline is taken: the JDK keeps a descriptor
     * or two open forever after its first socket use (seen: one socket after the first NIO connect), which is not
     * a leak of ours.
     */
    private static void warmUp() {
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
     * The descriptor count for a leak gate, taken after the once-per-JVM warm-up (this class's initializer), so a
     * test that starts its own loop gets the same baseline as one using {@link #start}.
     */
    public static int descriptorBaseline() {
        return OpenDescriptors.count();
    }

    /**
     * One TLS handshake per backend: loading netty-tcnative keeps its jars and the random devices open for the
     * life of the JVM, which is not a leak of ours either.
     */
    private static void warmUpTls(Loop l) {
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

    /** Starts a loop on {@code backend} with test timeouts. */
    public static TestLoop start(String backend) {
        return new TestLoop(backend, b -> { });
    }

    /** Starts a loop on {@code backend}, letting the test adjust the options (after the test defaults). */
    public static TestLoop start(String backend, Consumer<LoopOptions.Builder> customize) {
        return new TestLoop(backend, customize);
    }

    private void body(String backend, Consumer<LoopOptions.Builder> customize) {
        try {
            LoopOptions.Builder b = LoopOptions.builder().backend(backend).timeoutGranularity(TICK)
                    .longTimeoutGranularity(LONG_UNIT).callbackErrorHandler((l, source, error) -> {
                        callbackErrors.add(error);
                        if (source instanceof Socket<?> s) {
                            s.close(CloseCode.CALLBACK_FAILED, error);
                        }
                    });
            customize.accept(b);
            Loop l = Loop.create(b.build());
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

    /** The loop's thread. */
    public Thread thread() {
        return thread;
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
        if (finished.getCount() > 0) {
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

    /** Fails unless the open descriptor count drops back to {@code baseline} within a short wait. */
    public static void assertNoDescriptorLeak(int baseline) {
        if (baseline < 0) {
            return;
        }
        int now = OpenDescriptors.count();
        for (int i = 0; i < 200 && now > baseline; i++) {
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
