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

    /**
     * Creates a loop with default options on the configured backend (us_create_loop).
     *
     * @return the new loop, owned by the calling thread
     */
    static Loop create() {
        return create(LoopOptions.defaults());
    }

    /**
     * Creates a loop with the given options (us_create_loop).
     *
     * @param options the backend, callbacks and sizes
     * @return the new loop, owned by the calling thread
     */
    static Loop create(LoopOptions options) {
        return Implementation.get().create(options);
    }

    /**
     * Names of the backends on the class path that load on this machine, best first.
     *
     * @return the names, such as {@code native} and {@code nio}
     */
    static List<String> availableBackends() {
        return Implementation.get().availableBackends();
    }

    /**
     * Name of the backend this loop runs on.
     *
     * @return {@code native}, {@code nio}, {@code vertx} or {@code vertx-epoll}
     */
    String backend();

    /**
     * Creates a plain (or, with TLS options, a TLS) socket context on this loop (us_create_socket_context).
     *
     * @param <C>     type of the context's own extension
     * @param <S>     type of its sockets' extension
     * @param options plain or TLS, and the TLS settings
     * @return the context, with no callbacks set
     */
    <C, S> SocketContext<C, S> createSocketContext(SocketContextOptions options);

    /**
     * Creates a plain socket context on this loop (us_create_socket_context with ssl = 0).
     *
     * @param <C> type of the context's own extension
     * @param <S> type of its sockets' extension
     * @return the context, with no callbacks set
     */
    default <C, S> SocketContext<C, S> createSocketContext() {
        return createSocketContext(SocketContextOptions.plain());
    }

    /**
     * Creates a disarmed timer; a non-fallthrough timer keeps {@link #run()} going until closed (us_create_timer).
     *
     * @param <E>         type of the timer's extension
     * @param fallthrough true if the timer should not keep the loop running
     * @return the timer
     */
    <E> Timer<E> createTimer(boolean fallthrough);

    /**
     * Creates a poll not yet bound to a handle (us_create_poll).
     *
     * @param <E>         type of the poll's extension
     * @param fallthrough true if the poll should not keep the loop running
     * @return the poll
     */
    <E> Poll<E> createPoll(boolean fallthrough);

    /**
     * Creates a UDP socket bound to {@code host} and {@code port} with an exclusive port (us_create_udp_socket).
     *
     * @param <E>     type of the socket's user extension
     * @param host    an IP literal or name to bind to, or null for all interfaces (dual-stack)
     * @param port    0 to 65535; 0 picks a free port, see {@link UdpSocket#boundPort()}
     * @param buffer  the buffer the loop reads datagrams into before calling {@link UdpHandler#onData}
     * @param handler the data, drain and error callbacks
     * @param ext     the user extension, or null
     * @return the socket, watched for datagrams
     * @throws IllegalArgumentException      if the port is out of range or an argument is null
     * @throws java.io.UncheckedIOException if the address cannot be bound (the port is busy)
     */
    default <E> UdpSocket<E> createUdpSocket(String host, int port, UdpPacketBuffer buffer, UdpHandler<E> handler,
            E ext) {
        return createUdpSocket(host, port, buffer, handler, ext, UdpOptions.DEFAULT);
    }

    /**
     * Creates a UDP socket with options: {@link UdpOptions#REUSE_PORT} lets several sockets share the port.
     *
     * @param <E>     type of the socket's user extension
     * @param host    an IP literal or name to bind to, or null for all interfaces (dual-stack)
     * @param port    0 to 65535; 0 picks a free port
     * @param buffer  the buffer the loop reads datagrams into
     * @param handler the data, drain and error callbacks
     * @param ext     the user extension, or null
     * @param options exclusive or shared port
     * @return the socket, watched for datagrams
     * @throws IllegalArgumentException      if the port is out of range or an argument is null
     * @throws java.io.UncheckedIOException if the address cannot be bound
     */
    <E> UdpSocket<E> createUdpSocket(String host, int port, UdpPacketBuffer buffer, UdpHandler<E> handler, E ext,
            UdpOptions options);

    /** Blocks, driving the loop, until no non-fallthrough poll remains or the loop is freed (us_loop_run). */
    void run();

    /** Starts the timeout sweep on a loop that a foreign event loop drives (us_loop_integrate). */
    void integrate();

    /** Closes every socket, listen socket, timer and poll still open and releases the loop (us_loop_free). */
    void free();

    /**
     * Whether {@link #free()} has taken effect.
     *
     * @return true once freed
     */
    boolean isFreed();

    /** Thread-safe: makes the loop call its wakeup callback on its own thread; calls coalesce (us_wakeup_loop). */
    void wakeup();

    /**
     * Thread-safe: runs the task once on the loop thread, in submission order per thread; throws once the loop is
     * freed.
     *
     * @param task what to run on the loop thread
     */
    void defer(Runnable task);

    /**
     * Number of iterations so far (us_loop_iteration_number).
     *
     * @return iterations started so far
     */
    long iterationNumber();

    /**
     * Whether the calling thread is this loop's thread.
     *
     * @return true on the loop thread
     */
    boolean inLoopThread();

    /**
     * The user extension (us_loop_ext).
     *
     * @param <T> the type the caller assigns it to
     * @return the extension, null until set
     */
    <T> T ext();

    /**
     * Replaces the user extension.
     *
     * @param ext the new extension
     */
    void setExt(Object ext);
}
