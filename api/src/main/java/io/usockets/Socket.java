package io.usockets;

import java.nio.ByteBuffer;

/**
 * A connected (or connecting) stream socket: TCP or unix domain, plain or TLS (µSockets' {@code us_socket_t}).
 *
 * <p>Lifecycle: a socket is born connecting (from {@link SocketContext#connect}) or open (accepted or adopted).
 * A connecting socket ends in {@code onOpen}, in {@code onConnectError} (never followed by {@code onClose}), or in
 * {@link #closeConnecting()} (no callback). An open socket ends with {@link #close} (immediate; {@code onClose}
 * exactly once; the loop releases it after the current iteration). Once closed, every call is a silent no-op:
 * writes return 0 and queries return closed values.
 *
 * <p>Single-threaded: call only on the loop thread.
 *
 * @param <S> type of the user extension
 */
public interface Socket<S> {

    /**
     * Writes what the kernel (or the TLS layer) takes now and returns that count, advancing {@code data}'s position;
     * a short count makes {@code onWritable} fire later. {@code msgMore} corks where the backend can (us_socket_write).
     *
     * @param data    the bytes from its position to its limit
     * @param msgMore whether more follows at once (corks on native and vertx-epoll, nothing elsewhere)
     * @return the bytes taken, 0 to {@code data.remaining()}
     */
    int write(ByteBuffer data, boolean msgMore);

    /**
     * Writes without corking (us_socket_write with msg_more = 0).
     *
     * @param data the bytes from its position to its limit
     * @return the bytes taken
     */
    default int write(ByteBuffer data) {
        return write(data, false);
    }

    /**
     * Writes {@code length} bytes of {@code data} from {@code offset}; returns the count taken (us_socket_write).
     *
     * @param data    the array
     * @param offset  where the bytes start
     * @param length  how many to write
     * @param msgMore whether more follows at once
     * @return the bytes taken, 0 to {@code length}
     */
    int write(byte[] data, int offset, int length, boolean msgMore);

    /**
     * Writes {@code header} then {@code payload} in one gathering write and returns the total count taken,
     * advancing both positions (us_socket_write2).
     *
     * @param header  the first bytes
     * @param payload the bytes after them
     * @return the bytes of both taken
     */
    int write2(ByteBuffer header, ByteBuffer payload);

    /** Uncorks: sends what {@code msgMore} held back (us_socket_flush). */
    void flush();

    /**
     * Arms the coarse timeout to fire after about {@code seconds}, or disarms it with 0 (us_socket_timeout).
     *
     * @param seconds 0 to 239 ticks of the loop's timeout granularity, in seconds
     */
    void timeout(int seconds);

    /**
     * Arms the long timeout to fire after about {@code minutes}, or disarms it with 0 (us_socket_long_timeout).
     *
     * @param minutes 0 to 239 units of the loop's long-timeout granularity
     */
    void longTimeout(int minutes);

    /**
     * The user extension (us_socket_ext).
     *
     * @return the extension, null until set
     */
    S ext();

    /**
     * Replaces the user extension.
     *
     * @param ext the new extension
     */
    void setExt(S ext);

    /**
     * The owning context (us_socket_context).
     *
     * @return the context the socket belongs to now
     */
    SocketContext<?, S> context();

    /**
     * The loop the socket belongs to.
     *
     * @return the loop
     */
    Loop loop();

    /** Sends FIN (after close_notify on TLS); a FIN from the peer afterwards closes the socket (us_socket_shutdown). */
    void shutdown();

    /** Stops reading: shuts the read side down (us_socket_shutdown_read). */
    void shutdownRead();

    /**
     * Whether {@link #shutdown()} was called (us_socket_is_shut_down).
     *
     * @return true once our side has ended
     */
    boolean isShutDown();

    /**
     * Closes now: {@code onClose} runs once with {@code code} and {@code reason} (us_socket_close).
     *
     * @param code   why, passed to onClose (or onConnectError on a connecting socket)
     * @param reason anything, passed along too; may be null
     */
    void close(CloseCode code, Object reason);

    /** Closes now with {@link CloseCode#NORMAL} and no reason (us_socket_close). */
    default void close() {
        close(CloseCode.NORMAL, null);
    }

    /** Cancels a connect that has not completed, with no callback (us_socket_close_connecting). */
    void closeConnecting();

    /**
     * Whether the socket is closed (us_socket_is_closed).
     *
     * @return true from the close on
     */
    boolean isClosed();

    /**
     * Whether the socket is open: connected and not closed (us_socket_is_established).
     *
     * @return true while open (on TLS: after the handshake)
     */
    boolean isEstablished();

    /**
     * Whether the connection is TLS.
     *
     * @return true for a socket of a TLS context
     */
    boolean isTls();

    /**
     * The local port (us_socket_local_port).
     *
     * @return the port, or -1 for unix sockets and closed sockets
     */
    int localPort();

    /**
     * The remote port (us_socket_remote_port).
     *
     * @return the port, or -1 for unix sockets and closed sockets
     */
    int remotePort();

    /**
     * The remote IP (us_socket_remote_address).
     *
     * @return 4 bytes for IPv4 and IPv4-mapped peers, 16 for IPv6, none for unix and closed sockets
     */
    byte[] remoteAddress();

    /** Stops delivering data: drops READABLE interest (beyond µSockets). */
    void pauseReading();

    /** Delivers data again after {@link #pauseReading()} (beyond µSockets). */
    void resumeReading();

    /**
     * The backend's descriptor or channel; on a TLS socket the handle also carries the TLS object in
     * {@link NativeHandle#tls()} (us_socket_get_native_handle).
     *
     * @return the handle, or null once closed
     */
    NativeHandle nativeHandle();

    /**
     * The user data of the SNI pattern this TLS server socket was served under (us_socket_server_name_userdata).
     *
     * @return the user data, or null (no SNI match, clients, plain sockets)
     */
    Object serverNameUserData();

    /**
     * The ALPN protocol negotiated by the TLS handshake.
     *
     * @return the protocol, or null (plain sockets, no agreement, not yet open)
     */
    String alpnProtocol();
}
