package io.usockets.core.spi;

/**
 * The core's iteration, in parts, for a backend whose event loop belongs to someone else (the Vert.x backends):
 * such a backend does not answer {@link Poller#poll}; it calls these steps on the loop thread as its host loop
 * delivers events, fires the backend's timer, or runs a wakeup task.
 *
 * <p>An iteration is opened before the first event of a batch ({@link #openIteration}) and closed after it
 * ({@link #closeIteration}). A backend may close it right after each event when {@link #needsBatchEnd()} is
 * false, which keeps the steady state free of scheduled tasks; otherwise it closes the iteration once its host
 * loop has delivered the whole batch.
 *
 * <p>Single-threaded: every method is called on the loop thread.
 */
public interface LoopDriver {

    /** Opens an iteration unless one is open: the iteration number grows, connect errors, low-priority queue, onPre. */
    void openIteration();

    /** Whether the open iteration has work for its end beyond due timers (closed sockets, low-priority budget, wakeups, onPre/onPost). */
    boolean needsBatchEnd();

    /** Closes the open iteration (opening one first if none is): wakeup handling, due timers, post; a free asked for inside it takes effect here. */
    void closeIteration();

    /** The {@link System#nanoTime()} deadline of the nearest armed timer, or {@link Long#MAX_VALUE} if none is armed. */
    long nextTimerDeadline();

    /** Whether {@code run()} must keep going: a non-fallthrough poll is alive and no free was asked for. */
    boolean keepsRunning();

    /**
     * Starts the timeout sweep (us_loop_integrate) unless it runs, without the thread check (the backend calls it on
     * the loop thread); returns the {@link System#nanoTime()} deadline of its next tick, so a backend can serve the
     * sweep from one periodic host timer ({@link Long#MAX_VALUE} once the loop is freed).
     */
    long integrate();

    /** Moves the loop thread (the thread every call is checked against) to {@code thread}. */
    void setOwner(Thread thread);

    /** The host loop is closing: frees the loop now (or at the end of the open iteration) with the usual callbacks. */
    void hostClosed();
}
