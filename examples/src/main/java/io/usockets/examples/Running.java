package io.usockets.examples;

import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopGroup;
import io.usockets.SocketContextOptions;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A server example running on its own loops, one per thread ({@code --threads N}, 1 by default): what
 * {@code start} returns, so that tests can run an example in-process and {@link Main} can run it until SIGTERM or
 * SIGINT.
 *
 * <p>Lifecycle: {@link #start} starts a {@link LoopGroup} of {@code --threads} loops on new daemon threads; on each,
 * the example sets itself up and listens: loop 0 on {@code --port}, the others on the port loop 0 got (the default
 * listen option shares it with SO_REUSEPORT, and the kernel spreads connections over the loops). Once every loop
 * listens it prints one {@code Listening on port N} line. {@link #stop()} frees every loop and joins its thread; a
 * second stop does nothing. The threads are daemons, so a forgotten server never keeps a JVM alive.
 *
 * <p>Each loop counts the connections it accepted (in its listen context's {@code onPreOpen}; a UDP example counts
 * datagrams), one counter per loop, written by that loop only: {@link #acceptedPerLoop()}, which the tests read to
 * see every loop serving.
 */
public final class Running implements AutoCloseable {

    /** Sets an example up on one loop: creates its context with these options and listens on the port. */
    @FunctionalInterface
    interface Listener {
        /** Called on the loop's thread; returns the listen socket on {@code port} (0: any free port). */
        ListenSocket listen(Loop loop, SocketContextOptions contextOptions, int port);
    }

    private final String name;
    private final LoopGroup group;
    private final int port;
    private final AtomicLong[] accepted;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Running(String name, LoopGroup group, int port, AtomicLong[] accepted) {
        this.name = name;
        this.group = group;
        this.port = port;
        this.accepted = accepted;
    }

    /**
     * Starts an example on {@code --threads} loops: on each loop's thread calls {@code listener} (which sets the
     * example up and returns its listen socket), then prints {@code Listening on port N} to {@code out} once. Returns
     * once every loop accepts connections; rethrows what creating a loop or listening threw.
     */
    static Running start(String name, ExampleOptions options, PrintStream out, Listener listener) {
        // Made once, on the caller's thread: a TLS request fails before any thread starts, and every loop presents
        // the same certificate (each loop still builds its own TLS context from it).
        SocketContextOptions contextOptions = options.contextOptions();
        return startBound(name, options, out, (loop, port, count) -> {
            ListenSocket listenSocket = listener.listen(loop, contextOptions, port);
            listenSocket.context().onPreOpen((context, handle) -> {
                count.incrementAndGet();
                return handle;
            });
            return listenSocket.port();
        });
    }

    /** Binds an example on one loop: called on the loop's thread, returns the port it got. */
    @FunctionalInterface
    interface Binder {
        /**
         * Sets the example up on {@code loop} and binds {@code port} (0: any free port); {@code count} is the loop's
         * counter of what it serves (connections, datagrams). Returns the bound port.
         */
        int bind(Loop loop, int port, AtomicLong count);
    }

    /**
     * Starts an example on {@code --threads} loops with a binder of any kind (a listen socket, a UDP socket): loop 0
     * binds {@code --port}, the others the port it got; then prints {@code Listening on port N} to {@code out} once.
     */
    static Running startBound(String name, ExampleOptions options, PrintStream out, Binder binder) {
        int loops = options.threads();
        AtomicLong[] accepted = new AtomicLong[loops];
        int[] port = {options.port()};
        AtomicInteger next = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread t = new Thread(task, name + "-loop-" + next.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
        LoopGroup group = LoopGroup.start(loops, options.loopOptions(), threads, (loop, index) -> {
            AtomicLong count = new AtomicLong();
            accepted[index] = count;
            // Loop 0 binds --port (0: any free port); the others reuse the port it got.
            port[0] = binder.bind(loop, port[0], count);
        });
        out.println("Listening on port " + port[0]);
        out.flush();
        return new Running(name, group, port[0], accepted);
    }

    /** The example's name. */
    public String name() {
        return name;
    }

    /** The bound port: the one asked for, or the one picked for {@code --port 0}. */
    public int port() {
        return port;
    }

    /** The loops' backend. */
    public String backend() {
        return group.loop(0).backend();
    }

    /** How many loops serve the port. */
    public int loops() {
        return group.size();
    }

    /** What each loop has served so far (connections accepted; datagrams for UDP), by loop index. */
    public long[] acceptedPerLoop() {
        long[] counts = new long[accepted.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = accepted[i].get();
        }
        return counts;
    }

    /** Whether every loop has ended and been freed. */
    public boolean isStopped() {
        if (stopped.getCount() > 0) {
            return false;
        }
        for (Loop l : group.loops()) {
            if (!l.isFreed()) {
                return false;
            }
        }
        return true;
    }

    /** Frees every loop and waits for its thread to end; throws if a loop failed. A second stop does nothing. */
    public void stop() {
        try {
            group.close();
        } finally {
            stopped.countDown();
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * Runs until the JVM is told to stop (SIGTERM, SIGINT): a shutdown hook stops the loops and waits for them, and
     * with several loops reports how many connections each accepted on standard error. Returns the exit code: 0.
     */
    int serveUntilSignalled(PrintStream err) {
        Thread hook = new Thread(() -> {
            try {
                stop();
            } catch (IllegalStateException e) {
                err.println(e.getMessage());
            }
            if (accepted.length > 1) {
                err.println(name + ": served per loop (connections, or datagrams for UDP): "
                        + Arrays.toString(acceptedPerLoop()));
            }
            err.flush();
        }, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
