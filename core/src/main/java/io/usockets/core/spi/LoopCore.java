package io.usockets.core.spi;

/**
 * The loop's iteration, in the steps an {@link Eventing} calls: µSockets' {@code us_internal_loop_pre}, the dispatch of
 * ready polls (the eventing calls {@link CorePoll#onReady} in between), and
 * {@code us_internal_loop_post}. The core's own {@code run()} and a host event loop that drives the loop use the same
 * steps, the way µSockets' libuv backend calls into loop.c.
 *
 * <p>Contract for a guest of a host loop: open an iteration before the first event of a batch, and close it after the
 * batch. It may close it right after each event when {@link #needsBatchEnd()} is false, which keeps the steady state
 * free of scheduled tasks. Keep a host timer at {@link #nextTimerDeadline()} and close an iteration when it is due; call
 * {@link #integrate()} when the host starts driving, {@link #hostClosed()} when it goes away.
 *
 * <p>Single-threaded: every method is called on the loop thread.
 */
public interface LoopCore {

    /** Opens an iteration unless one is open: the iteration number grows, connect errors, low-priority queue, onPre. */
    void openIteration();

    /**
     * Closes the open iteration (opening one first if none is): deferred tasks and the wakeup callback, due timers
     * (the sweep among them), closed sockets released, onPost; a free asked for inside it takes effect here.
     */
    void closeIteration();

    /**
     * Whether the open iteration has work for its end beyond due timers (closed sockets, low-priority budget, wakeups, onPre/onPost).
     *
     * @return true if the iteration must close after the whole batch
     */
    boolean needsBatchEnd();

    /**
     * How long a blocking wait may last before the iteration closes: 0 when work is pending (a wakeup, a deferred task,
     * a connect error), the time to the nearest timer, or -1 to wait for an event.
     *
     * @return nanoseconds, 0, or -1
     */
    long waitNanos();

    /**
     * The {@link Eventing#nanoTime()} deadline of the nearest armed timer, or {@link Long#MAX_VALUE} if none is armed.
     *
     * @return the deadline in nanoseconds
     */
    long nextTimerDeadline();

    /**
     * Whether {@code run()} must keep going: a non-fallthrough poll is alive and no free was asked for.
     *
     * @return true while the loop should go on
     */
    boolean keepsRunning();

    /**
     * Starts the timeout sweep (us_loop_integrate) unless it runs; returns the {@link Eventing#nanoTime()} deadline of
     * its next tick, so a guest can serve the sweep from one periodic host timer ({@link Long#MAX_VALUE} once freed).
     *
     * @return the deadline in nanoseconds
     */
    long integrate();

    /** Throws IllegalStateException naming both threads unless called on the loop thread. */
    void checkThread();

    /**
     * Moves the loop thread (the thread every call is checked against) to {@code thread}.
     *
     * @param thread the new loop thread
     */
    void setOwner(Thread thread);

    /** The host loop is closing: frees the loop now (or at the end of the open iteration) with the usual callbacks. */
    void hostClosed();
}
