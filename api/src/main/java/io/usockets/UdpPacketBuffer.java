package io.usockets;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A batch of datagram slots for receiving and sending (µSockets' {@code us_udp_packet_buffer_t}): each slot holds one
 * datagram's payload, its length, its peer (IP bytes and port), the local IP it arrived on and a truncation flag.
 *
 * <p>Size: {@link #create()} makes {@value #DEFAULT_SLOTS} slots of {@value #DEFAULT_SLOT_SIZE} bytes, about 4 MiB of
 * direct memory per buffer (µSockets makes 1024 slots, 64 MiB). {@link #create(int, int)} chooses both; a slot
 * reserves one byte more than its size, to detect truncation (below). The memory is released when the buffer is
 * garbage collected; a loop needs one buffer, which may serve all its UDP sockets.
 *
 * <p>Reading a slot allocates nothing: {@link #payload} returns the slot's own preallocated view with its bounds
 * reset, and peers come as bytes copied into the caller's array plus a port ({@link #peerIp}, {@link #peerPort});
 * only {@link #peer} makes an {@link InetSocketAddress}. IPv4 and IPv4-mapped peers are 4 bytes, IPv6 peers 16.
 *
 * <p>What the backends can report, exactly:
 * <ul>
 *   <li>{@link #ecn} is -1 on every backend: Netty's epoll binding does not parse the TOS byte of a received datagram
 *       and the JDK exposes no ancillary data.</li>
 *   <li>{@link #localIp} is the address the receiving socket is bound to, or empty for a socket bound to all
 *       interfaces: neither binding reports IP_PKTINFO. A server that must answer from the address a datagram was sent
 *       to (a QUIC-style server on a multi-homed host) binds one socket per local address instead of the wildcard.</li>
 *   <li>{@link #truncated}: neither binding reports MSG_TRUNC, so each slot is read with one byte to spare; a datagram
 *       that fills that byte was larger than the slot. Its first {@link #slotSize()} bytes are kept, the rest is lost,
 *       and the loop goes on.</li>
 * </ul>
 *
 * <p>Single-threaded: used on one loop's thread. Slot indices run from 0 to {@link #slots()} - 1; a bad index or length
 * throws {@link IllegalArgumentException}.
 */
public interface UdpPacketBuffer {

    /** Slots of a buffer made by {@link #create()}. */
    int DEFAULT_SLOTS = 64;
    /** Bytes per slot of a buffer made by {@link #create()}: the largest UDP payload (65 507 bytes over IPv4) fits. */
    int DEFAULT_SLOT_SIZE = 64 * 1024;
    /** The most slots a buffer may have (the kernel's limit for one {@code recvmmsg}/{@code sendmmsg}). */
    int MAX_SLOTS = 1024;

    /**
     * Creates a buffer of {@value #DEFAULT_SLOTS} slots of {@value #DEFAULT_SLOT_SIZE} bytes
     * (us_create_udp_packet_buffer).
     *
     * @return the new buffer
     */
    static UdpPacketBuffer create() {
        return create(DEFAULT_SLOTS, DEFAULT_SLOT_SIZE);
    }

    /**
     * Creates a buffer of {@code slots} slots of {@code slotSize} bytes each.
     *
     * @param slots    1 to {@value #MAX_SLOTS}
     * @param slotSize 1 to {@value #DEFAULT_SLOT_SIZE} bytes
     * @return the new buffer
     * @throws IllegalArgumentException if either is out of range
     */
    static UdpPacketBuffer create(int slots, int slotSize) {
        return Implementation.get().createPacketBuffer(slots, slotSize);
    }

    /**
     * The number of slots.
     *
     * @return the slot count
     */
    int slots();

    /**
     * The bytes a slot holds.
     *
     * @return the slot size
     */
    int slotSize();

    /**
     * The payload of a slot (us_udp_packet_buffer_payload): the slot's own view, position 0 and limit its length. It is
     * writable: fill it and call {@link #setLength} to prepare a datagram in place. The same object is returned on
     * every call for the slot, so keep no reference across calls.
     *
     * @param slot the slot index
     * @return the slot's view
     */
    ByteBuffer payload(int slot);

    /**
     * The payload's length (us_udp_packet_buffer_payload_length).
     *
     * @param slot the slot index
     * @return the length in bytes
     */
    int length(int slot);

    /**
     * Sets the payload's length after writing it into {@link #payload}'s view.
     *
     * @param slot   the slot index
     * @param length 0 to {@link #slotSize()}
     */
    void setLength(int slot, int length);

    /**
     * Whether the datagram in the slot was larger than the slot and was cut to {@link #slotSize()} bytes.
     *
     * @param slot the slot index
     * @return true if truncated
     */
    boolean truncated(int slot);

    /**
     * Copies the slot's peer IP into {@code into} (us_udp_packet_buffer_peer).
     *
     * @param slot the slot index
     * @param into an array of at least 16 bytes
     * @return 4 for an IPv4 (or IPv4-mapped) peer, 16 for IPv6, 0 for a slot without a peer
     */
    int peerIp(int slot, byte[] into);

    /**
     * The slot's peer port.
     *
     * @param slot the slot index
     * @return the port, or 0 for a slot without a peer
     */
    int peerPort(int slot);

    /**
     * The slot's peer as a new address object (allocates; {@link #peerIp} and {@link #peerPort} do not).
     *
     * @param slot the slot index
     * @return the peer, or null for a slot without a peer
     */
    InetSocketAddress peer(int slot);

    /**
     * Copies the local IP the datagram arrived on into {@code into} (us_udp_packet_buffer_local_ip): the receiving
     * socket's bound address, or nothing for a socket bound to all interfaces (see the class comment).
     *
     * @param slot the slot index
     * @param into an array of at least 16 bytes
     * @return 4, 16, or 0 when unknown
     */
    int localIp(int slot, byte[] into);

    /**
     * The ECN bits of the datagram in the slot (us_udp_packet_buffer_ecn): always -1, unknown (see the class comment).
     *
     * @param slot the slot index
     * @return -1
     */
    int ecn(int slot);

    /**
     * Fills a slot for sending (us_udp_buffer_set_packet_payload): copies the bytes from {@code payload}'s position to
     * its limit (its position does not move) and sets the peer. Unlike µSockets, an IPv6 peer is kept whole.
     *
     * @param slot    the slot index
     * @param payload at most {@link #slotSize()} bytes
     * @param peerIp  4 or 16 bytes, or null for no peer (a connected socket's peer)
     * @param port    the peer port, 0 to 65535 (ignored without a peer)
     */
    void setPayload(int slot, ByteBuffer payload, byte[] peerIp, int port);

    /**
     * Fills a slot for sending from an array: the same as {@link #setPayload(int, ByteBuffer, byte[], int)}.
     *
     * @param slot    the slot index
     * @param payload the array
     * @param offset  where the bytes start
     * @param length  how many, at most {@link #slotSize()}
     * @param peerIp  4 or 16 bytes, or null for no peer
     * @param port    the peer port, 0 to 65535 (ignored without a peer)
     */
    void setPayload(int slot, byte[] payload, int offset, int length, byte[] peerIp, int port);

    /**
     * Sets only the slot's peer, keeping its payload (to answer a datagram in place, or to send it elsewhere).
     *
     * @param slot   the slot index
     * @param peerIp 4 or 16 bytes, or null for no peer
     * @param port   the peer port, 0 to 65535 (ignored without a peer)
     */
    void setPeer(int slot, byte[] peerIp, int port);
}
