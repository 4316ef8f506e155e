package io.usockets;

import java.nio.ByteBuffer;

/**
 * A group of sockets sharing callbacks, a user extension and (for TLS) a TLS context: µSockets'
 * {@code us_socket_context_t}.
 *
 * <p>Callbacks are set once, usually before listening or connecting, and apply to every socket of the context.
 * Every callback runs on the loop thread. A socket's extension type {@code S} is shared by all its sockets; the
 * context's own extension has type {@code C}.
 *
 * <p>Lifecycle: {@link #close()} closes every listen socket and socket (each {@code onClose} once) and keeps the
 * context usable; {@link #free()} closes it and detaches it from the loop, after which it must not be used.
 *
 * @param <C> type of the context's user extension
 * @param <S> type of its sockets' user extension
 */
public interface SocketContext<C, S> {

    /** Called with a new connection, accepted ({@code isClient} false) or connected ({@code isClient} true). */
    @FunctionalInterface
    interface OpenHandler<S> {
        /**
         * The socket is open; on TLS, its handshake has completed.
         *
         * @param socket   the open socket
         * @param isClient true for a connect, false for an accepted or adopted connection
         */
        void onOpen(Socket<S> socket, boolean isClient);
    }

    /** Called with bytes that arrived; on TLS, with plaintext. */
    @FunctionalInterface
    interface DataHandler<S> {
        /**
         * Handles bytes that arrived.
         *
         * @param socket the socket they arrived on
         * @param data   a read-only view of the loop's receive buffer, valid only during this call, never empty
         */
        void onData(Socket<S> socket, ByteBuffer data);
    }

    /** Called with a socket and nothing else: writable, timeout, long timeout, end. */
    @FunctionalInterface
    interface SocketHandler<S> {
        /**
         * Handles the event on the socket.
         *
         * @param socket the socket
         */
        void handle(Socket<S> socket);
    }

    /** Called when a socket closed, or when a connect failed. */
    @FunctionalInterface
    interface CloseHandler<S> {
        /**
         * Handles the close (or the failed connect).
         *
         * @param socket the socket, closed now
         * @param code   why, the same on every backend
         * @param reason the value passed to {@link Socket#close(CloseCode, Object)}, the exception that caused the
         *               close, or null
         */
        void onClose(Socket<S> socket, CloseCode code, Object reason);
    }

    /** Called with an accepted connection before it becomes a socket (us_socket_context_on_pre_open). */
    @FunctionalInterface
    interface PreOpenHandler {
        /**
         * Decides whether the context keeps an accepted connection.
         *
         * @param context the context that accepted it
         * @param handle  the accepted connection's handle
         * @return the handle to keep the connection, or null to take it away (the handler then owns the handle)
         */
        NativeHandle onPreOpen(SocketContext<?, ?> context, NativeHandle handle);
    }

    /**
     * Called on a TLS server for a client's SNI name that no added pattern matches
     * (us_socket_context_on_server_name).
     */
    @FunctionalInterface
    interface ServerNameHandler {
        /**
         * May call {@link SocketContext#addServerName} for {@code hostname}; the handshake then continues.
         *
         * @param context  the TLS context
         * @param hostname the name the client asked for
         */
        void onServerName(SocketContext<?, ?> context, String hostname);
    }

    /**
     * The loop this context belongs to (us_socket_context_loop).
     *
     * @return the loop
     */
    Loop loop();

    /**
     * Whether sockets of this context speak TLS.
     *
     * @return true for a TLS context
     */
    boolean isTls();

    /**
     * The context's user extension (us_socket_context_ext).
     *
     * @return the extension, null until set
     */
    C ext();

    /**
     * Replaces the context's user extension.
     *
     * @param ext the new extension
     */
    void setExt(C ext);

    /**
     * The context's current sweep tick (us_socket_context_timestamp).
     *
     * @return 0 to 239
     */
    int timestamp();

    /**
     * Sets the handler that may take accepted connections away (us_socket_context_on_pre_open).
     *
     * @param handler the handler (null removes it)
     * @return this context
     */
    SocketContext<C, S> onPreOpen(PreOpenHandler handler);

    /**
     * Sets the open handler (us_socket_context_on_open).
     *
     * @param handler the handler
     * @return this context
     */
    SocketContext<C, S> onOpen(OpenHandler<S> handler);

    /**
     * Sets the data handler (us_socket_context_on_data).
     *
     * @param handler the handler
     * @return this context
     */
    SocketContext<C, S> onData(DataHandler<S> handler);

    /**
     * Sets the handler for a socket that can take more after a short write (us_socket_context_on_writable).
     *
     * @param handler the handler
     * @return this context
     */
    SocketContext<C, S> onWritable(SocketHandler<S> handler);

    /**
     * Sets the close handler, called once per opened socket (us_socket_context_on_close).
     *
     * @param handler the handler
     * @return this context
     */
    SocketContext<C, S> onClose(CloseHandler<S> handler);

    /**
     * Sets the timeout handler (us_socket_context_on_timeout).
     *
     * @param handler the handler
     * @return this context
     */
    SocketContext<C, S> onTimeout(SocketHandler<S> handler);

    /**
     * Sets the long timeout handler (us_socket_context_on_long_timeout).
     *
     * @param handler the handler
     * @return this context
     */
    SocketContext<C, S> onLongTimeout(SocketHandler<S> handler);

    /**
     * Sets the handler for the peer's half-close (FIN; close_notify on TLS) (us_socket_context_on_end).
     *
     * @param handler the handler
     * @return this context
     */
    SocketContext<C, S> onEnd(SocketHandler<S> handler);

    /**
     * Sets the handler for a failed connect; such a socket never reaches onOpen or onClose
     * (us_socket_context_on_connect_error).
     *
     * @param handler the handler
     * @return this context
     */
    SocketContext<C, S> onConnectError(CloseHandler<S> handler);

    /**
     * Listens on {@code host} (null for all interfaces) and {@code port} (0 for any free port)
     * (us_socket_context_listen); throws {@link java.io.UncheckedIOException} if the address cannot be bound.
     *
     * @param host    a name or IP literal to listen on, or null for all interfaces
     * @param port    0 to 65535; 0 takes a free port ({@link ListenSocket#port()} tells which)
     * @param options whether the port may be shared (SO_REUSEPORT) and the accept backlog
     * @return the listen socket
     */
    ListenSocket listen(String host, int port, ListenOptions options);

    /**
     * Listens with {@link ListenOptions#DEFAULT} (us_socket_context_listen).
     *
     * @param host a name or IP literal to listen on, or null for all interfaces
     * @param port 0 to 65535; 0 takes a free port
     * @return the listen socket
     */
    default ListenSocket listen(String host, int port) {
        return listen(host, port, ListenOptions.DEFAULT);
    }

    /**
     * Listens on a unix domain socket at {@code path}, removing a stale file first (us_socket_context_listen_unix);
     * throws {@link java.io.UncheckedIOException} if it cannot be bound.
     *
     * @param path    the socket file's path, at most 107 bytes
     * @param options the accept backlog (the port-sharing flag does not apply)
     * @return the listen socket
     */
    ListenSocket listenUnix(String path, ListenOptions options);

    /**
     * Starts a non-blocking connect, optionally from {@code sourceHost} (us_socket_context_connect), and returns its
     * socket at once; the result arrives in onOpen or onConnectError on a later iteration. An IP literal connects at
     * once; a name is resolved off the loop thread by the loop's {@link Resolver} and its addresses are tried Happy
     * Eyeballs style (RFC 8305); the loop never blocks.
     *
     * @param host       the name or IP literal to connect to
     * @param port       1 to 65535
     * @param sourceHost the local address (a name or an IP literal) to connect from, or null for any
     * @return the connecting socket, never null
     */
    Socket<S> connect(String host, int port, String sourceHost);

    /**
     * Starts a non-blocking connect from any local address (us_socket_context_connect).
     *
     * @param host the name or IP literal to connect to
     * @param port 1 to 65535
     * @return the connecting socket, never null
     */
    default Socket<S> connect(String host, int port) {
        return connect(host, port, null);
    }

    /**
     * Starts a non-blocking connect to a unix domain socket (us_socket_context_connect_unix).
     *
     * @param path the socket file's path, at most 107 bytes
     * @return the connecting socket, never null
     */
    Socket<S> connectUnix(String path);

    /**
     * Moves a live socket of the same loop into this context with a new extension, keeping its connection and
     * unread bytes; timeouts are disarmed (us_socket_context_adopt_socket). A closed socket is returned as is.
     *
     * @param <T>    the socket's extension type so far
     * @param socket a socket of this context's loop
     * @param ext    its extension from now on
     * @return the same socket object, now of this context
     */
    <T> Socket<S> adopt(Socket<T> socket, S ext);

    /**
     * Wraps a connection accepted elsewhere into an open socket of this context and calls onOpen
     * (us_adopt_accepted_socket).
     *
     * @param handle the accepted connection, of this loop's backend (taken in an onPreOpen, or accepted elsewhere)
     * @param ext    the new socket's extension
     * @return the open socket
     */
    Socket<S> adoptAccepted(NativeHandle handle, S ext);

    /**
     * Creates a child context sharing this context's loop and TLS state (us_create_child_socket_context).
     *
     * @param <C2> type of the child's own extension
     * @param <S2> type of its sockets' extension
     * @return the child context, with no callbacks set
     */
    <C2, S2> SocketContext<C2, S2> createChild();

    /** Closes every listen socket and socket of this context (us_socket_context_close). */
    void close();

    /** Closes everything and detaches the context from its loop (us_socket_context_free). */
    void free();

    /**
     * The TLS context object of a TLS context (us_socket_context_get_native_handle).
     *
     * @return the native TLS context's address as a {@code Long}, or null on a plain context
     */
    Object nativeHandle();

    /**
     * Adds an SNI host-name pattern ({@code *.example.com} matches one label) served with the key and certificate
     * of {@code options}, with {@code userData} for its sockets (us_socket_context_add_server_name); throws
     * IllegalStateException on a plain context.
     *
     * @param hostnamePattern an exact name, or {@code *.} and a suffix
     * @param options         the key, certificate chain and passphrase to serve it with, or null for the context's
     * @param userData        what {@link Socket#serverNameUserData()} returns for sockets served under it
     */
    void addServerName(String hostnamePattern, SocketContextOptions options, Object userData);

    /**
     * Removes an SNI pattern added before; unknown patterns are ignored (us_socket_context_remove_server_name).
     *
     * @param hostnamePattern the pattern as it was added
     */
    void removeServerName(String hostnamePattern);

    /**
     * The user data of an SNI pattern (us_socket_context_find_server_name_userdata).
     *
     * @param hostnamePattern the pattern as it was added
     * @return its user data, or null if it was not added
     */
    Object findServerNameUserData(String hostnamePattern);

    /**
     * Sets the handler for SNI names no pattern matches (us_socket_context_on_server_name); throws
     * IllegalStateException on a plain context.
     *
     * @param handler the handler, or null to remove it
     * @return this context
     */
    SocketContext<C, S> onServerName(ServerNameHandler handler);
}
