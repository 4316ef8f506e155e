package io.usockets.core.spi;

import io.usockets.UdpPacketBuffer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The packet buffer behind {@link UdpPacketBuffer}, as the datagram operations see it: one direct memory block of
 * {@link #slots} slots, each {@link #stride} = slot size + 1 bytes (the extra byte detects truncation), and per-slot
 * state in plain arrays (length, truncation, peer IP in 16 bytes, peer IP length, peer port). No object per datagram.
 *
 * <p>Peers are kept as IPv4-mapped 16-byte addresses for IPv4 ({@link #peerIpLength} 4) and plain 16-byte addresses
 * for IPv6 ({@link #peerIpLength} 16); 0 means no peer. {@link #peerObjects} may cache the backend's own address
 * object for a slot's peer (the JDK's {@code InetSocketAddress} of a received datagram), so a reply on the same backend
 * needs no new one; anything that changes a slot's peer clears it.
 *
 * <p>{@link #attachment} is the socket operations' own per-buffer state (an iovec array, say), made by the first
 * operations that use the buffer.
 *
 * <p>Single-threaded.
 */
public final class DatagramBuffer implements UdpPacketBuffer {

    /** The slot count. */
    public final int slots;
    /** The bytes a slot holds. */
    public final int slotSize;
    /** Bytes between two slots: the slot size plus the byte that detects truncation. */
    public final int stride;
    /** The slots' memory: slot i starts at {@code i * stride}. */
    public final ByteBuffer memory;
    /** Each slot's payload length. */
    public final int[] lengths;
    /** Each slot's truncation flag. */
    public final boolean[] truncated;
    /** Each slot's peer IP: 16 bytes at {@code 16 * slot} (IPv4 as IPv4-mapped). */
    public final byte[] peerIps;
    /** Each slot's peer IP length: 4, 16, or 0 for no peer. */
    public final byte[] peerIpLength;
    /** Each slot's peer port. */
    public final int[] peerPorts;
    /** Each slot's peer as the backend's address object, or null. */
    public final Object[] peerObjects;
    /** The operations' per-buffer state, or null. */
    public Object attachment;

    private final ByteBuffer[] views;
    /** The bound IP of the socket whose receive filled the buffer last (empty: wildcard). */
    private byte[] localIp = new byte[0];

    /**
     * Allocates a buffer.
     *
     * @param slots    1 to {@link #MAX_SLOTS}
     * @param slotSize 1 to {@link #DEFAULT_SLOT_SIZE}
     * @throws IllegalArgumentException if either is out of range
     */
    public DatagramBuffer(int slots, int slotSize) {
        if (slots < 1 || slots > MAX_SLOTS) {
            throw new IllegalArgumentException("packet buffer slots " + slots + " is out of range; expected 1 to "
                    + MAX_SLOTS);
        }
        if (slotSize < 1 || slotSize > DEFAULT_SLOT_SIZE) {
            throw new IllegalArgumentException("packet buffer slot size " + slotSize + " is out of range; expected 1 to "
                    + DEFAULT_SLOT_SIZE);
        }
        this.slots = slots;
        this.slotSize = slotSize;
        this.stride = slotSize + 1;
        this.memory = ByteBuffer.allocateDirect(slots * stride);
        this.lengths = new int[slots];
        this.truncated = new boolean[slots];
        this.peerIps = new byte[16 * slots];
        this.peerIpLength = new byte[slots];
        this.peerPorts = new int[slots];
        this.peerObjects = new Object[slots];
        this.views = new ByteBuffer[slots];
        for (int i = 0; i < slots; i++) {
            views[i] = memory.slice(i * stride, slotSize);
        }
    }

    /**
     * Records a received datagram's length: a datagram that filled the spare byte was truncated.
     *
     * @param slot     the slot
     * @param received the bytes the kernel wrote, up to {@link #stride}
     */
    public void received(int slot, int received) {
        boolean cut = received > slotSize;
        truncated[slot] = cut;
        lengths[slot] = cut ? slotSize : received;
    }

    /**
     * Records the bound IP of the socket that filled the buffer (what {@link #localIp} reports).
     *
     * @param ip 4 or 16 bytes, or empty for a wildcard bind
     */
    public void receivedOn(byte[] ip) {
        localIp = ip;
    }

    /**
     * Sets a slot's peer from 4 or 16 bytes at {@code offset} of {@code ip} (4-byte IPv4 is stored IPv4-mapped; a
     * 16-byte IPv4-mapped address counts as IPv4) and clears the cached address object.
     *
     * @param slot   the slot
     * @param ip     the bytes
     * @param offset where they start
     * @param length 4 or 16
     * @param port   the port
     */
    public void setPeerBytes(int slot, byte[] ip, int offset, int length, int port) {
        int at = slot * 16;
        if (length == 4 || isMapped(ip, offset, length)) {
            int from = length == 4 ? offset : offset + 12;
            for (int i = 0; i < 10; i++) {
                peerIps[at + i] = 0;
            }
            peerIps[at + 10] = (byte) 0xff;
            peerIps[at + 11] = (byte) 0xff;
            System.arraycopy(ip, from, peerIps, at + 12, 4);
            peerIpLength[slot] = 4;
        } else {
            System.arraycopy(ip, offset, peerIps, at, 16);
            peerIpLength[slot] = 16;
        }
        peerPorts[slot] = port;
        peerObjects[slot] = null;
    }

    private static boolean isMapped(byte[] ip, int offset, int length) {
        if (length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (ip[offset + i] != 0) {
                return false;
            }
        }
        return ip[offset + 10] == (byte) 0xff && ip[offset + 11] == (byte) 0xff;
    }

    /**
     * Checks a slot index.
     *
     * @param slot the index
     * @throws IllegalArgumentException if outside the buffer
     */
    public void checkSlot(int slot) {
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("slot " + slot + " is out of range; expected 0 to " + (slots - 1));
        }
    }

    private void checkLength(int length) {
        if (length < 0 || length > slotSize) {
            throw new IllegalArgumentException("datagram length " + length + " is out of range; expected 0 to "
                    + slotSize + " (the slot size)");
        }
    }

    private static void checkInto(byte[] into) {
        if (into == null || into.length < 16) {
            throw new IllegalArgumentException("the address array must hold 16 bytes, got "
                    + (into == null ? "null" : into.length + " bytes"));
        }
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int slotSize() {
        return slotSize;
    }

    @Override
    public ByteBuffer payload(int slot) {
        checkSlot(slot);
        ByteBuffer view = views[slot];
        view.limit(lengths[slot]).position(0);
        return view;
    }

    @Override
    public int length(int slot) {
        checkSlot(slot);
        return lengths[slot];
    }

    @Override
    public void setLength(int slot, int length) {
        checkSlot(slot);
        checkLength(length);
        lengths[slot] = length;
        truncated[slot] = false;
    }

    @Override
    public boolean truncated(int slot) {
        checkSlot(slot);
        return truncated[slot];
    }

    @Override
    public int peerIp(int slot, byte[] into) {
        checkSlot(slot);
        checkInto(into);
        int length = peerIpLength[slot];
        System.arraycopy(peerIps, slot * 16 + (length == 4 ? 12 : 0), into, 0, length);
        return length;
    }

    @Override
    public int peerPort(int slot) {
        checkSlot(slot);
        return peerIpLength[slot] == 0 ? 0 : peerPorts[slot];
    }

    @Override
    public InetSocketAddress peer(int slot) {
        checkSlot(slot);
        int length = peerIpLength[slot];
        if (length == 0) {
            return null;
        }
        byte[] ip = new byte[length];
        System.arraycopy(peerIps, slot * 16 + (length == 4 ? 12 : 0), ip, 0, length);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), peerPorts[slot]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }

    @Override
    public int localIp(int slot, byte[] into) {
        checkSlot(slot);
        checkInto(into);
        System.arraycopy(localIp, 0, into, 0, localIp.length);
        return localIp.length;
    }

    @Override
    public int ecn(int slot) {
        checkSlot(slot);
        return -1;
    }

    @Override
    public void setPayload(int slot, ByteBuffer payload, byte[] peerIp, int port) {
        checkSlot(slot);
        if (payload == null) {
            throw new IllegalArgumentException("payload is null");
        }
        int length = payload.remaining();
        checkLength(length);
        setPeer(slot, peerIp, port);
        memory.put(slot * stride, payload, payload.position(), length);
        lengths[slot] = length;
        truncated[slot] = false;
    }

    @Override
    public void setPayload(int slot, byte[] payload, int offset, int length, byte[] peerIp, int port) {
        checkSlot(slot);
        if (payload == null || offset < 0 || length < 0 || offset > payload.length - length) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length + " are outside the array"
                    + (payload == null ? " (null)" : " of " + payload.length + " bytes"));
        }
        checkLength(length);
        setPeer(slot, peerIp, port);
        memory.put(slot * stride, payload, offset, length);
        lengths[slot] = length;
        truncated[slot] = false;
    }

    @Override
    public void setPeer(int slot, byte[] peerIp, int port) {
        checkSlot(slot);
        if (peerIp == null) {
            peerIpLength[slot] = 0;
            peerPorts[slot] = 0;
            peerObjects[slot] = null;
            return;
        }
        if (peerIp.length != 4 && peerIp.length != 16) {
            throw new IllegalArgumentException("a peer IP has 4 or 16 bytes, got " + peerIp.length);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; expected 0 to 65535");
        }
        setPeerBytes(slot, peerIp, 0, peerIp.length, port);
    }

    @Override
    public String toString() {
        return "UdpPacketBuffer[" + slots + " x " + slotSize + " B]";
    }
}
