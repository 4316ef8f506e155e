package io.usockets.tests;

import io.usockets.CloseCode;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A loop created and run on a thread of the test's own, with no keep-alive: for tests about {@code run()}
 * returning and {@code free()}. After {@code run()} returns, the thread frees the loop if it is not freed.
 * {@link #close()} frees a loop that is still running (through {@code defer}), joins the thread and fails the
 * test if the loop or a callback threw. The caller runs the descriptor leak gate with its own baseline.
 */
final class OwnLoop implements AutoCloseable {
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
