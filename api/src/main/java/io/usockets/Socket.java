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
     */
    int write(ByteBuffer data, boolean msgMore);

    /** Writes without corking (us_socket_write with msg_more = 0). */
    default int write(ByteBuffer data) {
        return write(data, false);
    }

    /** Writes {@code length} bytes of {@code data} from {@code offset}; returns the count taken (us_socket_write). */
    int write(byte[] data, int offset, int length, boolean msgMore);

    /**
     * Writes {@code header} then {@code payload} in one gathering write and returns the total count taken,
     * advancing both positions (us_socket_write2).
     */
    int write2(ByteBuffer header, ByteBuffer payload);

    /** Uncorks: sends what {@code msgMore} held back (us_socket_flush). */
    void flush();

    /** Arms the coarse timeout to fire after about {@code seconds}, or disarms it with 0 (us_socket_timeout). */
    void timeout(int seconds);

    /** Arms the long timeout to fire after about {@code minutes}, or disarms it with 0 (us_socket_long_timeout). */
    void longTimeout(int minutes);

    /** The user extension (us_socket_ext). */
    S ext();

    /** Replaces the user extension. */
    void setExt(S ext);

    /** The owning context (us_socket_context). */
    SocketContext<?, S> context();

    /** The loop the socket belongs to. */
    Loop loop();

    /** Sends FIN (after close_notify on TLS); a FIN from the peer afterwards closes the socket (us_socket_shutdown). */
    void shutdown();

    /** Stops reading: shuts the read side down (us_socket_shutdown_read). */
    void shutdownRead();

    /** Whether {@link #shutdown()} was called (us_socket_is_shut_down). */
    boolean isShutDown();

    /** Closes now: {@code onClose} runs once with {@code code} and {@code reason} (us_socket_close). */
    void close(CloseCode code, Object reason);

    /** Closes now with {@link CloseCode#NORMAL} and no reason (us_socket_close). */
    default void close() {
        close(CloseCode.NORMAL, null);
    }

    /** Cancels a connect that has not completed, with no callback (us_socket_close_connecting). */
    void closeConnecting();

    /** Whether the socket is closed (us_socket_is_closed). */
    boolean isClosed();

    /** Whether the socket is open: connected and not closed (us_socket_is_established). */
    boolean isEstablished();

    /** Whether the connection is TLS. */
    boolean isTls();

    /** The local port, or -1 for unix sockets and closed sockets (us_socket_local_port). */
    int localPort();

    /** The remote port, or -1 for unix sockets and closed sockets (us_socket_remote_port). */
    int remotePort();

    /** The remote IP: 4 bytes for IPv4 and IPv4-mapped peers, 16 for IPv6, empty for unix sockets (us_socket_remote_address). */
    byte[] remoteAddress();

    /** Stops delivering data: drops READABLE interest (beyond µSockets). */
    void pauseReading();

    /** Delivers data again after {@link #pauseReading()} (beyond µSockets). */
    void resumeReading();

    /**
     * The backend's descriptor or channel, or null once closed; on a TLS socket the handle also carries the TLS
     * object in {@link NativeHandle#tls()} (us_socket_get_native_handle).
     */
    NativeHandle nativeHandle();

    /** The user data of the SNI pattern this TLS server socket was served under, or null (us_socket_server_name_userdata). */
    Object serverNameUserData();

    /** The ALPN protocol negotiated by the TLS handshake, or null (plain sockets, no agreement, not yet open). */
    String alpnProtocol();
}
