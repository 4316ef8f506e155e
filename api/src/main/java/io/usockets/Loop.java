package io.usockets;

import java.util.List;

/**
 * An event loop: one per thread, the root of every other object (µSockets' {@code us_loop_t}).
 *
 * <p>Lifecycle: created by {@link #create}; driven by {@link #run()} until no non-fallthrough poll is left (or by
 * a foreign loop after {@link #integrate()}); released by {@link #free()}, which closes whatever is still open.
 * Everything runs on the loop thread: the creating thread until {@code run()} starts, then the thread running
 * it. Only {@link #wakeup()} and {@link #defer(Runnable)} are safe from other threads; any other call from a
 * foreign thread throws {@link IllegalStateException}.
 */
public interface Loop {

    /** Creates a loop with default options on the configured backend (us_create_loop). */
    static Loop create() {
        return create(LoopOptions.defaults());
    }

    /** Creates a loop with the given options (us_create_loop). */
    static Loop create(LoopOptions options) {
        return Implementation.get().create(options);
    }

    /** Names of the backends on the class path that load on this machine, best first. */
    static List<String> availableBackends() {
        return Implementation.get().availableBackends();
    }

    /** Name of the backend this loop runs on. */
    String backend();

    /** Creates a plain (or, with TLS options, a TLS) socket context on this loop (us_create_socket_context). */
    <C, S> SocketContext<C, S> createSocketContext(SocketContextOptions options);

    /** Creates a plain socket context on this loop (us_create_socket_context with ssl = 0). */
    default <C, S> SocketContext<C, S> createSocketContext() {
        return createSocketContext(SocketContextOptions.plain());
    }

    /** Creates a disarmed timer; a non-fallthrough timer keeps {@link #run()} going until closed (us_create_timer). */
    <E> Timer<E> createTimer(boolean fallthrough);

    /** Creates a poll not yet bound to a handle (us_create_poll). */
    <E> Poll<E> createPoll(boolean fallthrough);

    /** Blocks, driving the loop, until no non-fallthrough poll remains or the loop is freed (us_loop_run). */
    void run();

    /** Starts the timeout sweep on a loop that a foreign event loop drives (us_loop_integrate). */
    void integrate();

    /** Closes every socket, listen socket, timer and poll still open and releases the loop (us_loop_free). */
    void free();

    /** Whether {@link #free()} has taken effect. */
    boolean isFreed();

    /** Thread-safe: makes the loop call its wakeup callback on its own thread; calls coalesce (us_wakeup_loop). */
    void wakeup();

    /** Thread-safe: runs the task once on the loop thread, in submission order per thread; throws once the loop is freed. */
    void defer(Runnable task);

    /** Number of iterations so far (us_loop_iteration_number). */
    long iterationNumber();

    /** Whether the calling thread is this loop's thread. */
    boolean inLoopThread();

    /** The user extension (us_loop_ext). */
    <T> T ext();

    /** Replaces the user extension. */
    void setExt(Object ext);
}
