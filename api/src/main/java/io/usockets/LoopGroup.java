package io.usockets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loop per thread, started and stopped together: how µSockets scales across cores.
 *
 * <p>{@link #start} creates {@code n} loops, each on its own new thread with the same {@link LoopOptions}, and
 * calls the setup on that loop's thread before the loop runs; there the application creates its contexts and
 * listens. Loops share nothing: each has its own contexts, sockets, timers and receive buffer, and every callback
 * of a loop runs on that loop's thread. With {@link ListenOptions#DEFAULT} every loop can listen on the same port
 * (SO_REUSEPORT) and the kernel spreads new connections over them.
 *
 * <p>The setups run one after the other, in index order: loop {@code i}'s setup has returned before loop
 * {@code i + 1} is created, and everything it wrote is visible to the later setups. So loop 0 can listen on port 0
 * and the others on the port it got:
 *
 * <pre>{@code
 * int[] port = {3000};                                       // 0 would take any free port
 * try (LoopGroup group = LoopGroup.start(4, LoopOptions.defaults(), (loop, index) -> {
 *     SocketContext<Void, Void> context = loop.createSocketContext();
 *     context.onData((socket, data) -> socket.write(data));
 *     port[0] = context.listen(null, port[0]).port();        // loop 0 binds, the others reuse its port
 * })) {
 *     ...                                                    // serve until told to stop
 * }                                                          // close(): every loop freed, every thread joined
 * }</pre>
 *
 * <p>A setup that throws stops the start: the loops already started are freed and their threads joined, and the
 * exception reaches the caller of {@code start}. Each loop keeps running until {@link #close()} (a disarmed
 * non-fallthrough timer of the group keeps it alive), or until the application frees it.
 *
 * <p>Where the kernel does not spread connections over a shared port, one loop can accept and hand connections to
 * the others: its context's {@code onPreOpen} returns null to keep the accepted handle, and
 * {@code loop(i).defer(...)} adopts it on loop {@code i} with {@link SocketContext#adoptAccepted}
 * (docs/ARCHITECTURE.md, "Scaling").
 *
 * <p>The group itself is thread-safe: {@link #loop(int)}, {@link #size()} and {@link #close()} may be called from
 * any thread but a loop thread of the group (which {@code close()} refuses, since it joins those threads). A loop
 * handed out here follows the loop rules: from other threads only {@link Loop#wakeup()} and
 * {@link Loop#defer(Runnable)}.
 */
public final class LoopGroup implements AutoCloseable {

    /** The most loops one group starts. */
    public static final int MAX_LOOPS = 1024;

    /** What each loop of a group does before it runs. */
    @FunctionalInterface
    public interface Setup {
        /**
         * Called once on loop {@code index}'s own thread, before the loop runs: create contexts, listen, connect.
         *
         * @param loop  the new loop
         * @param index its index in the group, 0 to {@code size() - 1}
         * @throws Exception anything, which stops the group's start and reaches its caller
         */
        void setUp(Loop loop, int index) throws Exception;
    }

    private final List<Member> members;
    private final List<Loop> loops;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LoopGroup(List<Member> members) {
        this.members = members;
        List<Loop> l = new ArrayList<>(members.size());
        for (Member m : members) {
            l.add(m.loop);
        }
        this.loops = Collections.unmodifiableList(l);
    }

    /**
     * Starts {@code loops} loops on new non-daemon threads named {@code usockets-loop-0} onwards; see
     * {@link #start(int, LoopOptions, ThreadFactory, Setup)}.
     *
     * @param loops   how many loops, 1 to {@value #MAX_LOOPS}
     * @param options the options of every loop (no hint)
     * @param setup   called on each loop's thread before it runs
     * @return the running group
     */
    public static LoopGroup start(int loops, LoopOptions options, Setup setup) {
        AtomicInteger next = new AtomicInteger();
        return start(loops, options, task -> new Thread(task, "usockets-loop-" + next.getAndIncrement()), setup);
    }

    /**
     * Creates {@code loops} loops, each on a thread of {@code threads}, runs {@code setup} on each in index order and
     * returns once every loop runs; a setup that throws frees the loops started so far and rethrows here.
     *
     * @param loops   how many loops, 1 to {@value #MAX_LOOPS}
     * @param options the options of every loop; a hint is refused (a Vert.x application runs one loop per verticle
     *                instance instead, each created with its own context as the hint)
     * @param threads makes one thread per loop (its name and daemon flag are the factory's)
     * @param setup   called on each loop's thread before it runs
     * @return the running group
     * @throws IllegalArgumentException when {@code loops} is out of range, an argument is null or a hint is set
     * @throws IllegalStateException    when the factory makes no thread, or a setup threw a checked exception
     *                                  (a setup's unchecked exception is rethrown as it is)
     */
    public static LoopGroup start(int loops, LoopOptions options, ThreadFactory threads, Setup setup) {
        if (loops < 1 || loops > MAX_LOOPS) {
            throw new IllegalArgumentException("loops " + loops + " is out of range; expected 1 to " + MAX_LOOPS);
        }
        if (options == null || threads == null || setup == null) {
            throw new IllegalArgumentException("options, threads and setup must not be null (got options " + options
                    + ", threads " + threads + ", setup " + setup + ")");
        }
        if (options.hint() != null) {
            throw new IllegalArgumentException("a loop group runs standalone loops, but the options carry the hint "
                    + options.hint() + "; on Vert.x create one loop per verticle instance with its context as the "
                    + "hint");
        }
        List<Member> started = new ArrayList<>(loops);
        for (int i = 0; i < loops; i++) {
            Member member = new Member(i, options, setup);
            Thread thread = threads.newThread(member);
            if (thread == null) {
                stopAll(started);
                throw new IllegalStateException("the thread factory " + threads + " made no thread for loop " + i);
            }
            member.thread = thread;
            thread.start();
            try {
                // Not interruptible: once started, a loop is either running (and stopped by close) or gone.
                member.loop = member.ready.join();
            } catch (CompletionException e) {
                joinUninterruptibly(thread);
                stopAll(started);
                Throwable cause = e.getCause();
                if (cause instanceof Error err) {
                    throw err;
                }
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("the setup of loop " + i + " failed: " + cause, cause);
            }
            started.add(member);
        }
        return new LoopGroup(Collections.unmodifiableList(started));
    }

    /**
     * How many loops the group has.
     *
     * @return the number of loops
     */
    public int size() {
        return members.size();
    }

    /**
     * Loop {@code index}, for {@link Loop#defer(Runnable)} and {@link Loop#wakeup()} from other threads.
     *
     * @param index 0 to {@code size() - 1}
     * @return the loop
     * @throws IllegalArgumentException when {@code index} is out of range
     */
    public Loop loop(int index) {
        if (index < 0 || index >= members.size()) {
            throw new IllegalArgumentException("loop index " + index + " is out of range; expected 0 to "
                    + (members.size() - 1));
        }
        return members.get(index).loop;
    }

    /**
     * Every loop, in index order.
     *
     * @return an unmodifiable list of the loops
     */
    public List<Loop> loops() {
        return loops;
    }

    /**
     * Frees every loop on its own thread, in index order, waiting for each thread to end before the next; a second
     * call does nothing.
     *
     * <p>Freeing in index order means that tasks loop 0 deferred to other loops (such as adopting connections it
     * accepted) have run before those loops are freed.
     *
     * @throws IllegalStateException when called on a loop thread of the group, or when a loop's {@code run()} threw
     *                               (the first such error is the cause, later ones are suppressed)
     */
    @Override
    public void close() {
        for (Member m : members) {
            // The member's thread, or the thread its loop runs its callbacks on (a standalone Vert.x loop's).
            if (m.thread == Thread.currentThread() || m.loop.inLoopThread()) {
                throw new IllegalStateException("close() was called on the thread of loop " + m.index + " ('"
                        + m.thread.getName() + "'), which it would wait for; call it from another thread");
            }
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopAll(members);
        IllegalStateException failure = null;
        for (Member m : members) {
            if (m.failure != null) {
                if (failure == null) {
                    failure = new IllegalStateException("loop " + m.index + " of the group failed: " + m.failure,
                            m.failure);
                } else {
                    failure.addSuppressed(m.failure);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Frees each member's loop and joins its thread, in order; an interrupt is kept for the caller. */
    private static void stopAll(List<Member> members) {
        for (Member m : members) {
            m.stop();
            joinUninterruptibly(m.thread);
        }
    }

    /** Waits for the thread to end; an interrupt meanwhile is kept for the caller. */
    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One loop of the group and its thread. */
    private static final class Member implements Runnable {
        private final int index;
        private final LoopOptions options;
        private final Setup setup;
        private final CompletableFuture<Loop> ready = new CompletableFuture<>();
        private Thread thread;
        private volatile Loop loop;
        private volatile Throwable failure;

        Member(int index, LoopOptions options, Setup setup) {
            this.index = index;
            this.options = options;
            this.setup = setup;
        }

        /** On the member's thread: create, keep alive, set up, run, free. */
        @Override
        public void run() {
            Loop l = null;
            try {
                l = Loop.create(options);
                // A disarmed non-fallthrough timer: the loop runs until the group frees it, even with nothing open.
                l.createTimer(false);
                setup.setUp(l, index);
            } catch (Throwable t) {
                freeQuietly(l, t);
                ready.completeExceptionally(t);
                return;
            }
            loop = l;
            ready.complete(l);
            try {
                l.run();
            } catch (Throwable t) {
                failure = t;
            } finally {
                try {
                    if (!l.isFreed()) {
                        l.free();
                    }
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }

        /** Asks the loop to free itself on its own thread; nothing if it has ended already. */
        void stop() {
            Loop l = loop;
            if (l == null) {
                return;
            }
            try {
                l.defer(l::free);
            } catch (IllegalStateException alreadyFreed) {
                // The loop was freed by the application: its thread is ending on its own.
            }
        }

        private static void freeQuietly(Loop l, Throwable cause) {
            if (l == null) {
                return;
            }
            try {
                if (!l.isFreed()) {
                    l.free();
                }
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
