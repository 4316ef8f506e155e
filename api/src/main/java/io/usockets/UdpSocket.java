package io.usockets;

/**
 * A bound UDP socket on a loop (µSockets' {@code us_udp_socket_t}), made by {@link Loop#createUdpSocket}. Datagrams
 * travel in batches through a {@link UdpPacketBuffer}: when the socket is readable the loop reads what is waiting
 * into the socket's buffer (up to its slot count, with {@code recvmmsg} where the backend has it) and calls
 * {@link UdpHandler#onData}; {@link #send} writes the first n slots of a buffer (with {@code sendmmsg} where the backend
 * has it).
 *
 * <p>Lifecycle: open from creation, bound to its port, watched for READABLE; a live UDP socket keeps
 * {@link Loop#run()} going. {@link #close()} is immediate and safe in any callback (also inside {@code onData}): the
 * descriptor is closed and no callback fires afterwards. Every later call is a silent no-op: {@code send} and
 * {@code receive} return 0, {@link #boundPort()} returns -1. {@link Loop#free()} closes it too.
 *
 * <p>Sockets are dual-stack where the host allows: created for all interfaces (host null), the socket takes IPv4 and
 * IPv6 datagrams, and IPv4 peers appear as 4-byte addresses. Bound to an IPv4 literal it is IPv4 only.
 *
 * <p>Single-threaded: every call on the loop thread.
 *
 * @param <E> type of the user extension
 */
public interface UdpSocket<E> {

    /**
     * Sends slots 0 to {@code count - 1} of {@code buffer}, each to its slot's peer (us_udp_socket_send). A slot the
     * kernel refuses (too large, no route, an ICMP error on a connected socket) is reported through
     * {@link UdpHandler#onError} and skipped, and the send goes on. Only a full socket buffer stops the send short: the
     * result is then less than {@code count}, and {@link UdpHandler#onDrain} follows once the socket can take more.
     *
     * @param buffer the slots to send; a slot without a peer goes to the connected peer
     * @param count  how many slots, from slot 0; 0 to the buffer's slot count
     * @return how many slots were handled (sent, or failed and reported), from slot 0; 0 after close
     * @throws IllegalArgumentException if count is out of range, or a slot has no peer on an unconnected socket
     */
    default int send(UdpPacketBuffer buffer, int count) {
        return send(buffer, 0, count);
    }

    /**
     * Sends slots {@code first} to {@code first + count - 1}: the same as {@link #send(UdpPacketBuffer, int)}, to
     * resume after a short send.
     *
     * @param buffer the slots to send
     * @param first  the first slot
     * @param count  how many slots from {@code first}
     * @return how many slots were handled, from {@code first}; 0 after close
     * @throws IllegalArgumentException if the range is outside the buffer, or a slot has no peer on an unconnected
     *                                  socket
     */
    int send(UdpPacketBuffer buffer, int first, int count);

    /**
     * Reads the datagrams waiting now into {@code buffer}, up to its slot count, without calling {@code onData}
     * (us_udp_socket_receive): the read the loop does when the socket is readable. A receive error goes to
     * {@link UdpHandler#onError} with slot -1.
     *
     * @param buffer where the datagrams go, from slot 0
     * @return how many datagrams were read; 0 if none was waiting, or after close
     */
    int receive(UdpPacketBuffer buffer);

    /**
     * Connects the socket to one peer (beyond µSockets): it then receives only from that peer, slots without a peer are
     * sent to it, and ICMP errors about it (port unreachable) reach {@link UdpHandler#onError}. The host is resolved
     * on the calling thread; give an IP literal to keep the loop from blocking.
     *
     * @param host the peer's IP literal or name
     * @param port the peer's port, 1 to 65535
     * @throws IllegalArgumentException      if the port is out of range
     * @throws java.io.UncheckedIOException if the host does not resolve or the kernel refuses
     */
    void connect(String host, int port);

    /**
     * The local port the socket is bound to (us_udp_socket_bound_port): the chosen one after binding port 0.
     *
     * @return the port, or -1 once closed
     */
    int boundPort();

    /** Closes the socket at once: no callback fires afterwards; a second call does nothing. */
    void close();

    /**
     * Whether the socket is closed.
     *
     * @return true once closed
     */
    boolean isClosed();

    /**
     * The loop.
     *
     * @return the loop that made the socket
     */
    Loop loop();

    /**
     * The user extension (us_udp_socket_user).
     *
     * @return the extension given at creation or set since
     */
    E ext();

    /**
     * Replaces the user extension.
     *
     * @param ext the new extension
     */
    void setExt(E ext);
}
