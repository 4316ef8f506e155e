package io.usockets.examples;

import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.SocketContext;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A server example running on its own loop thread: what {@code start} returns, so that tests can run an example
 * in-process and {@link Main} can run it until SIGTERM or SIGINT.
 *
 * <p>Lifecycle: {@link #start} creates the loop on a new thread (which is therefore the loop thread), lets the
 * example listen, prints {@code Listening on port N} and runs the loop. {@link #stop()} hands the loop a deferred
 * task that closes the example's context and frees the loop, then waits for {@code run()} to return; a second
 * stop only waits. The loop thread is a daemon, so a forgotten server never keeps a JVM alive.
 */
public final class Running implements AutoCloseable {

    /** How long {@link #start} waits for the loop to listen and {@link #stop()} waits for it to end. */
    static final Duration WAIT = Duration.ofSeconds(20);

    private final String name;
    private final Thread thread;
    private final CompletableFuture<Integer> listening = new CompletableFuture<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile Loop loop;
    private volatile SocketContext<?, ?> context;
    private volatile Throwable failure;
    private int port;

    private Running(String name, ExampleOptions options, PrintStream out, Function<Loop, ListenSocket> listen) {
        this.name = name;
        this.thread = new Thread(() -> body(options, out, listen), name + "-loop");
        this.thread.setDaemon(true);
    }

    /**
     * Starts an example: on a new thread, creates the loop from {@code options}, calls {@code listen} (which sets
     * the example up and returns its listen socket), prints {@code Listening on port N} to {@code out} and runs the
     * loop. Returns once the example accepts connections; rethrows what creating the loop or listening threw.
     */
    static Running start(String name, ExampleOptions options, PrintStream out, Function<Loop, ListenSocket> listen) {
        // Checked here, on the caller's thread, so a TLS request fails before any thread starts.
        options.contextOptions();
        Running running = new Running(name, options, out, listen);
        running.thread.start();
        try {
            running.port = running.listening.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            running.awaitFinished();
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(name + " failed to start: " + cause, cause);
        } catch (TimeoutException e) {
            running.stop();
            throw new IllegalStateException(name + " did not start listening within " + WAIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.stop();
            throw new IllegalStateException(name + " was interrupted while starting", e);
        }
        return running;
    }

    private void body(ExampleOptions options, PrintStream out, Function<Loop, ListenSocket> listen) {
        Loop l = null;
        try {
            l = Loop.create(options.loopOptions());
            loop = l;
            ListenSocket listenSocket = listen.apply(l);
            context = listenSocket.context();
            out.println("Listening on port " + listenSocket.port());
            out.flush();
            listening.complete(listenSocket.port());
            l.run();
        } catch (Throwable t) {
            failure = t;
            listening.completeExceptionally(t);
        } finally {
            try {
                if (l != null && !l.isFreed()) {
                    l.free();
                }
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
            finished.countDown();
        }
    }

    /** The example's name. */
    public String name() {
        return name;
    }

    /** The bound port: the one asked for, or the one picked for {@code --port 0}. */
    public int port() {
        return port;
    }

    /** The loop's backend. */
    public String backend() {
        return loop.backend();
    }

    /** Whether the loop has ended and been freed. */
    public boolean isStopped() {
        return finished.getCount() == 0 && loop != null && loop.isFreed();
    }

    /**
     * Closes the example's context and frees the loop (through {@link Loop#defer}), then waits up to
     * {@link #WAIT} for the loop thread to end; throws if it does not, or if the loop failed.
     */
    public void stop() {
        if (stopRequested.compareAndSet(false, true) && finished.getCount() > 0) {
            Loop l = loop;
            SocketContext<?, ?> c = context;
            if (l != null) {
                try {
                    l.defer(() -> {
                        if (c != null) {
                            c.close();
                        }
                        l.free();
                    });
                } catch (IllegalStateException alreadyFreed) {
                    // The loop ended on its own between the check and the call: nothing left to stop.
                }
            }
        }
        awaitFinished();
        if (failure != null) {
            throw new IllegalStateException(name + "'s loop failed: " + failure, failure);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * Runs until the JVM is told to stop (SIGTERM, SIGINT), or the loop ends on its own: a shutdown hook stops the
     * loop and waits for it. Returns the exit code: 0, or 1 if the loop failed.
     */
    int serveUntilSignalled(PrintStream err) {
        Thread hook = new Thread(() -> {
            try {
                stop();
            } catch (IllegalStateException e) {
                err.println(e.getMessage());
            }
        }, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            finished.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it reports failures itself.
            return 0;
        }
        if (failure != null) {
            err.println(name + "'s loop failed: " + failure);
            return 1;
        }
        return 0;
    }

    private void awaitFinished() {
        try {
            if (!finished.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + "'s loop thread '" + thread.getName()
                        + "' did not end within " + WAIT.toSeconds() + " s of stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name + " to stop", e);
        }
    }
}
