package io.usockets;

/**
 * A listening socket (µSockets' {@code us_listen_socket_t}). It accepts connections into its context's sockets
 * until {@link #close()}; closing it is immediate, a second close does nothing, and a unix socket's file is
 * removed on close. It counts as a non-fallthrough poll of its loop while open.
 */
public interface ListenSocket {

    /**
     * The context accepted sockets join.
     *
     * @return the context
     */
    SocketContext<?, ?> context();

    /**
     * The bound local port, or -1 for a unix socket or once closed.
     *
     * @return the port, or -1
     */
    int port();

    /** Stops listening and releases the port (us_listen_socket_close). */
    void close();

    /**
     * Whether the listen socket has been closed.
     *
     * @return true once closed
     */
    boolean isClosed();

    /**
     * The backend's handle of the listening descriptor or channel, or null once closed.
     *
     * @return the handle, or null
     */
    NativeHandle nativeHandle();
}
