package io.usockets.bench;

import io.usockets.Loop;
import io.usockets.LoopOptions;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A {@link Loop} created and run on a thread of its own, for benchmarks whose measuring thread is elsewhere.
 * {@link #start} returns once the set-up code has run on the loop thread; {@link #stop()} frees the loop from its
 * own thread and waits for the thread to end.
 */
final class LoopThread {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Thread thread;
    private final CompletableFuture<Loop> started = new CompletableFuture<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private Loop loop;

    private LoopThread(String name, LoopOptions options, Consumer<Loop> setUp) {
        this.thread = new Thread(() -> runLoop(options, setUp), name);
        this.thread.setDaemon(true);
    }

    /** Creates the loop on a new thread, runs {@code setUp} there, and returns once it has run. */
    static LoopThread start(String name, LoopOptions options, Consumer<Loop> setUp) {
        LoopThread t = new LoopThread(name, options, setUp);
        t.thread.start();
        t.loop = await(t.started, name + " did not start");
        return t;
    }

    /** The loop; only {@link Loop#defer} and {@link Loop#wakeup} may be called on it from another thread. */
    Loop loop() {
        return loop;
    }

    /** Bytes the loop thread has allocated so far (HotSpot's per-thread counter), or -1 where unsupported. */
    long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads) {
            return threads.getThreadAllocatedBytes(thread.getId());
        }
        return -1;
    }

    /** Frees the loop on its own thread and waits for {@code run()} to return. */
    void stop() {
        if (!finished.isDone()) {
            try {
                loop.defer(loop::free);
            } catch (IllegalStateException alreadyFreed) {
                // The loop ended on its own; nothing to free.
            }
        }
        await(finished, thread.getName() + " did not stop");
    }

    private void runLoop(LoopOptions options, Consumer<Loop> setUp) {
        Loop created = null;
        try {
            created = Loop.create(options);
            setUp.accept(created);
            started.complete(created);
            created.run();
            if (!created.isFreed()) {
                created.free();
            }
            finished.complete(null);
        } catch (Throwable t) {
            started.completeExceptionally(t);
            finished.completeExceptionally(t);
            if (created != null && !created.isFreed()) {
                created.free();
            }
        }
    }

    private static <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " within " + WAIT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
    }
}
