package io.usockets.core.spi;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * What can be done with a UDP descriptor or channel, beside {@link SocketOps}: open and bind, connect, receive a batch
 * into a {@link DatagramBuffer}, send a batch from one. Written once per kind of socket operations (raw descriptors,
 * JDK channels) and reached through {@link SocketOps#datagramOps()}, so every eventing over those operations hosts UDP:
 * the core registers the datagram socket's raw object with the loop's {@link Eventing} like any other poll (kind
 * {@link CorePoll#KIND_DATAGRAM}) and calls these on READABLE and WRITABLE readiness. An eventing that completes
 * reads itself (io_uring) can host UDP the same way, by readiness.
 *
 * <p>One instance per loop; single-threaded.
 */
public interface DatagramOps {

    /** Receives the failures of single datagrams during {@link #send}. */
    @FunctionalInterface
    interface SendFailures {
        /**
         * The kernel refused the datagram of {@code slot}; the send goes on with the next slot if this returns true.
         *
         * @param slot  the slot
         * @param error what the kernel said
         * @return true to go on, false to stop (the socket was closed)
         */
        boolean sendFailed(int slot, IOException error);
    }

    /**
     * Opens a non-blocking UDP socket bound to {@code local}: dual-stack (IPv6 with IPV6_V6ONLY off) for the wildcard,
     * IPv4 or IPv6 only for a specific address; SO_REUSEPORT if {@code reusePort}, never SO_REUSEADDR.
     *
     * @param local     the address to bind (the wildcard for all interfaces)
     * @param reusePort whether to share the port
     * @return the raw descriptor or channel
     * @throws IOException when it cannot be bound
     */
    Object open(InetSocketAddress local, boolean reusePort) throws IOException;

    /**
     * Connects the socket to one peer.
     *
     * @param raw  the socket
     * @param peer the peer
     * @throws IOException when the kernel refuses
     */
    void connect(Object raw, InetSocketAddress peer) throws IOException;

    /**
     * Reads the datagrams waiting now into slots 0 onwards of {@code buffer}, up to its slot count, setting each slot's
     * length, truncation flag and peer.
     *
     * @param raw    the socket
     * @param buffer where they go
     * @return how many, 0 if none was waiting
     * @throws IOException on an error the socket reported (ICMP port unreachable on a connected socket)
     */
    int receive(Object raw, DatagramBuffer buffer) throws IOException;

    /**
     * Sends slots {@code first} to {@code first + count - 1} of {@code buffer}, each to its peer (a slot without a peer
     * goes to the connected peer). A slot the kernel refuses goes to {@code failures} and is skipped; a full socket
     * buffer (EAGAIN) stops the send.
     *
     * @param raw      the socket
     * @param buffer   the slots
     * @param first    the first slot
     * @param count    how many
     * @param failures where refused slots go
     * @return how many slots were handled (sent or refused), from {@code first}; less than {@code count} only on EAGAIN
     *         (or when {@code failures} said stop)
     */
    int send(Object raw, DatagramBuffer buffer, int first, int count, SendFailures failures);

    /**
     * The bound port, or -1 if closed.
     *
     * @param raw the socket
     * @return the port
     */
    int localPort(Object raw);

    /**
     * The bound IP (4 or 16 bytes), or an empty array for the wildcard.
     *
     * @param raw the socket
     * @return the address bytes
     */
    byte[] localIp(Object raw);

    /**
     * Closes the socket, logging a failure at DEBUG.
     *
     * @param raw the socket
     */
    void close(Object raw);
}
