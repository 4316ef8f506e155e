package io.usockets.core.spi;

import io.usockets.ListenOptions;
import io.usockets.NativeHandle;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * One loop's eventing backend: the only thing a backend implements (DESIGN.md, "poll SPI"). It watches polls for
 * READABLE and WRITABLE readiness, blocks for events and dispatches them to {@link CorePoll#onReady}, wakes up
 * from other threads, and performs the few socket operations that depend on what a descriptor is.
 *
 * <p>Every method except {@link #wakeup()} is called on the loop thread only. Methods that return a "raw" object
 * return the backend's unregistered handle (a channel on nio, a descriptor object on native) that the core then
 * passes to {@link #register}.
 */
public interface Poller {

    /** The backend's name, as in the configuration. */
    String backendName();

    /** Binds a raw handle to the poll with no interest yet, setting {@link CorePoll#io}. */
    void register(CorePoll poll, Object raw) throws IOException;

    /** Sets the poll's interest to {@code events}, a mask of READABLE and WRITABLE (0 = none). */
    void setInterest(CorePoll poll, int events);

    /**
     * Blocks for at most {@code timeoutNanos} (negative: until an event or a wakeup; 0: not at all) and calls
     * {@link CorePoll#onReady} for each ready poll.
     */
    void poll(long timeoutNanos) throws IOException;

    /** Thread-safe: makes a blocked or the next {@link #poll} return promptly. */
    void wakeup();

    /** Releases the backend's resources; registered polls must have been closed first. */
    void close();

    /**
     * Whether this backend drives the loop from a host event loop it does not own (see {@link LoopDriver}); the
     * core then never calls {@link #poll} and {@code run()} calls {@link #runDriven()} instead.
     */
    default boolean drivesLoop() {
        return false;
    }

    /** Called once by the core's constructor with the loop's driver, only when {@link #drivesLoop()} is true. */
    default void attach(LoopDriver driver) {
        throw new UnsupportedOperationException(backendName() + " does not drive its loop");
    }

    /**
     * Hands the loop to the host event loop and blocks the calling thread until {@link LoopDriver#keepsRunning()}
     * is false, then gives the loop back to the calling thread; only when {@link #drivesLoop()} is true.
     */
    default void runDriven() {
        throw new UnsupportedOperationException(backendName() + " does not drive its loop");
    }

    /**
     * Called on the loop thread when the core has work for an iteration while none is open (a timer changed, a
     * socket closed or a connect failed outside any callback): a backend that drives its loop schedules one.
     */
    default void iterationNeeded() {
    }

    /** Called by {@code Loop.integrate()} after the sweep started: a driving backend hands the loop to its host for good. */
    default void integrated() {
    }

    /** Opens a listening socket on a TCP or unix address (raw). */
    Object listen(SocketAddress address, ListenOptions options) throws IOException;

    /** Accepts one pending connection from a listen poll (raw, non-blocking, TCP_NODELAY set), or null if none. */
    Object accept(CorePoll listen) throws IOException;

    /** Starts a non-blocking connect to {@code remote}, bound first to {@code source} if not null (raw). */
    Object connect(SocketAddress remote, SocketAddress source) throws IOException;

    /** Completes a connect after WRITABLE readiness: true once connected, false if still in progress. */
    boolean finishConnect(CorePoll socket) throws IOException;

    /** Reads into {@code buffer} from its position: the count, 0 if nothing is ready, -1 at end of stream. */
    int read(CorePoll socket, ByteBuffer buffer) throws IOException;

    /** Writes from {@code buffer} what the kernel takes now, advancing its position; {@code msgMore} corks. */
    int write(CorePoll socket, ByteBuffer buffer, boolean msgMore) throws IOException;

    /** Writes {@code header} then {@code payload} in one gathering write; returns the total count taken. */
    long write2(CorePoll socket, ByteBuffer header, ByteBuffer payload) throws IOException;

    /** Sends what {@code msgMore} held back. */
    void flush(CorePoll socket) throws IOException;

    /** Sends FIN. */
    void shutdownOutput(CorePoll socket) throws IOException;

    /** Stops the read side. */
    void shutdownInput(CorePoll socket) throws IOException;

    /** Unregisters the poll and closes its descriptor or channel. */
    void close(CorePoll poll);

    /** Unregisters the poll but leaves its descriptor or channel open (for user polls). */
    void deregister(CorePoll poll);

    /** Closes a raw handle that was never registered. */
    void closeRaw(Object raw);

    /** The local port of a socket or listen poll, or -1 (unix sockets). */
    int localPort(CorePoll poll);

    /** The remote port, or -1 (unix sockets). */
    int remotePort(CorePoll socket);

    /** The remote IP bytes (4 or 16), or an empty array for unix sockets. */
    byte[] remoteAddress(CorePoll socket);

    /** The public handle of a registered poll. */
    NativeHandle handle(CorePoll poll);

    /** The public handle of a raw handle. */
    NativeHandle handleOfRaw(Object raw);

    /**
     * The raw handle inside a public one, made non-blocking; throws IllegalArgumentException if the handle is not
     * of this backend's kind.
     */
    Object rawOf(NativeHandle handle) throws IOException;
}
