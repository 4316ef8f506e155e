package io.usockets.core.spi;

import java.io.IOException;

/**
 * What one loop's event loop provides to the core, and nothing about sockets: watching a descriptor or channel for
 * READABLE and WRITABLE readiness, running (or being driven by a host loop), waking up from another thread, and the
 * loop's clock. It is the Java form of µSockets' {@code eventing/*.c}; what a descriptor can do is the other half of a
 * backend, its {@link SocketOps}.
 *
 * <p>The core's iteration (pre, dispatch, post, the sweep) is written once, in {@link LoopCore}. An eventing either
 * blocks for events and dispatches them itself between {@link LoopCore#openIteration()} and
 * {@link LoopCore#closeIteration()} (see {@link BlockingEventing}, used by the native and nio backends), or is the
 * guest of a host event loop and calls the same two steps around the host's batches of events (the Vert.x backends).
 *
 * <p>A poll's {@link CorePoll#io} is the eventing's own handle for it (a {@code SelectionKey}, a Netty {@code Socket},
 * a Netty registration); {@link #raw} gives the socket operations the descriptor or channel behind it.
 *
 * <p>Every method except {@link #wakeup()} and {@link #nanoTime()} is called on the loop thread only.
 */
public interface Eventing {

    /**
     * The backend's name, as in the configuration.
     *
     * @return the name, such as {@code native}
     */
    String backendName();

    /**
     * The socket operations this eventing's descriptors or channels use (one instance per loop).
     *
     * @return the loop's socket operations
     */
    SocketOps ops();

    /**
     * Called once by the loop's constructor with the iteration steps it drives.
     *
     * @param core the loop's iteration steps
     */
    void start(LoopCore core);

    /**
     * The loop's clock in nanoseconds (timers and the sweep read it; a scripted eventing can script it).
     *
     * @return nanoseconds on a monotonic clock
     */
    default long nanoTime() {
        return System.nanoTime();
    }

    /**
     * Binds a raw descriptor or channel to the poll with no interest yet, setting {@link CorePoll#io}.
     *
     * @param poll the poll to watch it for
     * @param raw  the descriptor or channel
     * @throws IOException when it cannot be watched
     */
    void register(CorePoll poll, Object raw) throws IOException;

    /**
     * Sets the poll's interest to {@code events}, a mask of READABLE and WRITABLE (0 = none).
     *
     * @param poll   a registered poll
     * @param events a mask of READABLE and WRITABLE
     */
    void setInterest(CorePoll poll, int events);

    /**
     * The raw descriptor or channel of a registered poll, for its {@link SocketOps}.
     *
     * @param poll a registered poll
     * @return its descriptor or channel
     */
    Object raw(CorePoll poll);

    /**
     * Whether a raw descriptor or channel is registered with this loop already.
     *
     * @param raw a descriptor or channel
     * @return true if a poll of this eventing watches it
     */
    boolean isRegistered(Object raw);

    /**
     * Stops watching the poll and closes its descriptor or channel through {@link SocketOps#close}.
     *
     * @param poll a registered poll
     */
    void close(CorePoll poll);

    /**
     * Stops watching the poll but leaves its descriptor or channel open (user polls).
     *
     * @param poll a registered poll
     */
    void deregister(CorePoll poll);

    /**
     * Moves the registration of {@code from} to {@code to} with its interest and without a kernel call: events for the
     * descriptor or channel go to {@code to} from now on (also later in the batch being dispatched), {@code to.io}
     * becomes the handle and {@code from.io} null. The core uses it when one of a connect's attempts wins and hands
     * its descriptor to the socket the application holds.
     *
     * @param from the registered poll that gives up its descriptor or channel
     * @param to   the poll that takes it over, not registered yet
     */
    void transfer(CorePoll from, CorePoll to);

    /**
     * The eventing's own resolver of host names, or null to use the core's system resolver: a guest eventing offers
     * its host's non-blocking resolver (Vert.x's, so the application's {@code AddressResolverOptions} apply). A
     * resolver set in the loop options overrides it.
     *
     * @return the host's resolver, or null
     */
    default io.usockets.Resolver resolver() {
        return null;
    }

    /**
     * The loop's {@code run()}: drives iterations until {@link LoopCore#keepsRunning()} is false, then returns on the
     * calling thread.
     */
    void run();

    /**
     * Called on the loop thread when the core has work for an iteration while none is open (a timer changed, a socket
     * closed, a connect failed outside any callback). A blocking eventing ignores it: its next iteration comes anyway.
     */
    default void iterationNeeded() {
    }

    /** Called by {@code Loop.integrate()} once the sweep runs: a guest eventing hands the loop to its host for good. */
    default void integrated() {
    }

    /** Thread-safe: makes a blocked wait, or the next one, return promptly. */
    void wakeup();

    /** Releases the eventing's resources; the core has closed every poll first. */
    void close();
}
