package io.usockets.core.spi;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An eventing that runs its loop itself by blocking for events (epoll_wait, Selector.select): µSockets'
 * {@code us_loop_run} in {@code epoll_kqueue.c}. {@link #run()} is written here once; a backend supplies only the
 * wait-and-dispatch step.
 *
 * <p>Single-threaded except {@link #wakeup()}.
 */
public abstract class BlockingEventing implements Eventing {

    /** The loop's iteration steps, set by {@link #start}. */
    protected LoopCore core;

    @Override
    public final void start(LoopCore loopCore) {
        this.core = loopCore;
    }

    /** Runs iterations on the calling thread, which becomes the loop thread, until no live poll is left. */
    @Override
    public final void run() {
        acceptRunner(Thread.currentThread());
        core.setOwner(Thread.currentThread());
        core.integrate();
        while (core.keepsRunning()) {
            core.openIteration();
            try {
                waitAndDispatch(core.waitNanos());
            } catch (IOException e) {
                throw new UncheckedIOException("the " + backendName() + " backend failed to wait for events", e);
            }
            core.closeIteration();
        }
    }

    /**
     * Called by {@link #run()} before {@code thread} becomes the loop thread; a backend bound to one thread (an
     * io_uring ring has one issuer) refuses another with an {@link IllegalStateException} that says why, and the
     * loop stays with its thread. Accepts every thread unless overridden.
     *
     * @param thread the thread calling run()
     */
    protected void acceptRunner(Thread thread) {
    }

    /**
     * Blocks for at most {@code timeoutNanos} (negative: until an event or a wakeup; 0: not at all) and calls
     * {@link CorePoll#onReady} for each ready poll.
     *
     * @param timeoutNanos the longest wait in nanoseconds
     * @throws IOException when waiting fails
     */
    protected abstract void waitAndDispatch(long timeoutNanos) throws IOException;
}
