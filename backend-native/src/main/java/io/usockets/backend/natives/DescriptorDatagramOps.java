package io.usockets.backend.natives;

import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.DatagramSocketAddress;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.Socket;
import io.usockets.core.spi.Addresses;
import io.usockets.core.spi.DatagramBuffer;
import io.usockets.core.spi.DatagramOps;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The datagram operations on raw descriptors ({@link UdpDescriptor}), for the native and vertx-epoll backends and any
 * other eventing over {@link DescriptorSocketOps}.
 *
 * <p><b>Batched</b> (the normal case): {@code recvmmsg} reads up to a buffer's slot count (first asking for about twice
 * the last receive's count, since Netty's JNI prepares every packet it is given, then for the rest when that came
 * back full), one {@code sendmmsg}
 * sends a run of slots, through {@link DatagramAccess}. Each buffer gets, on first use, its Netty packets and an iovec
 * per slot for receiving ({@code slot size + 1} bytes, to detect truncation) and one per slot for sending (the slot's
 * length), all in its {@link DatagramBuffer#attachment}; nothing is allocated per datagram. {@code sendmmsg} stops at
 * the first datagram it cannot send: on EAGAIN the send ends short, on any other error that slot is reported and the
 * next call starts after it.
 *
 * <p><b>One datagram per call</b> (when {@link DatagramAccess} cannot reach Netty's pieces, or with the system
 * property {@value #MODE_PROPERTY}{@code =single}): Netty's public {@code recvFromAddress} and {@code sendToAddress},
 * which allocate an address object per datagram.
 *
 * <p>One instance per loop; single-threaded.
 */
final class DescriptorDatagramOps implements DatagramOps {

    /** The system property that forces one datagram per call ({@code single}); read when a loop is created. */
    static final String MODE_PROPERTY = "usockets.native.datagrams";

    /** The fewest datagrams a receive's first recvmmsg asks for. */
    private static final int MIN_BATCH = 8;

    private final DescriptorSocketOps sockets;
    private final boolean batched;
    /** An error met after some datagrams were read, and its socket: reported by that socket's next receive. */
    private UdpDescriptor pendingErrorSocket;
    private int pendingErrno;
    /** A receive may have left something in the kernel (see {@link #takeLastReceiveFilled()}). */
    private boolean lastReceiveFilled;

    /** A buffer's native state for this instance: Netty packets and iovecs. */
    private static final class Batch {
        final DescriptorDatagramOps owner;
        final Object[] receivePackets;
        final Object[] sendPackets;
        final byte[][] senderAddresses;
        final byte[][] recipientAddresses;
        final ByteBuffer iovecs;
        final long iovAddress;
        /** How many receive packets the last recvmmsg overwrote (their iovec count must be reset). */
        int dirty;
        /** How many datagrams the first recvmmsg of a receive asks for: twice the last receive's, at least 8. */
        int expected = MIN_BATCH;

        Batch(DescriptorDatagramOps owner, DatagramBuffer buffer) {
            this.owner = owner;
            int n = buffer.slots;
            receivePackets = DatagramAccess.newPackets(n);
            sendPackets = DatagramAccess.newPackets(n);
            senderAddresses = new byte[n][];
            recipientAddresses = new byte[n][];
            iovecs = ByteBuffer.allocateDirect(32 * n).order(ByteOrder.nativeOrder());
            long iov = Buffer.memoryAddress(iovecs);
            iovAddress = iov;
            long memory = Buffer.memoryAddress(buffer.memory);
            for (int i = 0; i < n; i++) {
                iovecs.putLong(16 * i, memory + (long) i * buffer.stride);
                iovecs.putLong(16 * i + 8, buffer.stride);
                iovecs.putLong(16 * (n + i), memory + (long) i * buffer.stride);
                DatagramAccess.setIovec(receivePackets[i], iov + 16L * i, 1);
                DatagramAccess.setIovec(sendPackets[i], iov + 16L * (n + i), 1);
                senderAddresses[i] = DatagramAccess.senderAddress(receivePackets[i]);
                recipientAddresses[i] = DatagramAccess.recipientAddress(sendPackets[i]);
            }
        }
    }

    /**
     * The datagram operations beside {@code sockets}; batched unless {@code batched} is false.
     *
     * @param sockets the loop's socket operations (closing, local port)
     * @param batched whether recvmmsg/sendmmsg are used
     */
    DescriptorDatagramOps(DescriptorSocketOps sockets, boolean batched) {
        this.sockets = sockets;
        this.batched = batched;
    }

    /** Whether this instance uses recvmmsg/sendmmsg. */
    boolean batched() {
        return batched;
    }

    @Override
    public UdpDescriptor open(InetSocketAddress local, boolean reusePort) throws IOException {
        InetAddress host = local.getAddress();
        boolean any = host.isAnyLocalAddress();
        boolean ipv6 = any ? Socket.isIPv6Preferred() : host instanceof Inet6Address;
        UdpDescriptor socket = UdpDescriptor.open(ipv6);
        try {
            if (reusePort) {
                socket.setReusePort(true);
            }
            socket.bind(any && ipv6 ? new InetSocketAddress(InetAddress.getByAddress(new byte[16]), local.getPort())
                    : local);
            return socket;
        } catch (IOException | RuntimeException e) {
            DescriptorSocketOps.closeQuietly(socket);
            throw e;
        }
    }

    @Override
    public void connect(Object raw, InetSocketAddress peer) throws IOException {
        ((UdpDescriptor) raw).connect(peer);
    }

    @Override
    public int receive(Object raw, DatagramBuffer buffer) throws IOException {
        UdpDescriptor socket = (UdpDescriptor) raw;
        boolean more = true;
        try {
            int n = batched ? receiveBatch(socket, buffer) : receiveOneByOne(socket, buffer);
            more = n == buffer.slots || pendingErrorSocket == socket;
            return n;
        } finally {
            if (more) {
                lastReceiveFilled = true;
            }
        }
    }

    /**
     * Whether a {@link #receive} since the last call may have left datagrams (or an error) in the kernel: it filled
     * every slot, kept an error for the next receive, or failed; the call clears it. An eventing whose readiness
     * reports arrivals rather than what is left (io_uring's multishot poll) receives again then.
     *
     * @return true if a receive may have left something to receive
     */
    public boolean takeLastReceiveFilled() {
        boolean filled = lastReceiveFilled;
        lastReceiveFilled = false;
        return filled;
    }

    private Batch batch(DatagramBuffer buffer) {
        if (buffer.attachment instanceof Batch b && b.owner == this) {
            return b;
        }
        Batch b = new Batch(this, buffer);
        buffer.attachment = b;
        return b;
    }

    private int receiveBatch(UdpDescriptor socket, DatagramBuffer buffer) throws IOException {
        Batch b = batch(buffer);
        Object[] packets = b.receivePackets;
        for (int i = 0; i < b.dirty; i++) {
            DatagramAccess.setIovec(packets[i], b.iovAddress + 16L * i, 1);
        }
        b.dirty = 0;
        if (pendingErrorSocket == socket) {
            pendingErrorSocket = null;
            throw error("recvmmsg", pendingErrno);
        }
        int fd = socket.intValue();
        boolean ipv6 = socket.isIpv6();
        // Netty's JNI prepares every packet it is given, so ask for about twice the last batch first, and for the rest
        // of the buffer only when that came back full.
        int want = Math.min(buffer.slots, b.expected);
        int n = 0;
        while (n < buffer.slots) {
            int got = DatagramAccess.recvmmsg(fd, ipv6, packets, n, want);
            if (got < 0) {
                if (got == Errors.ERRNO_EAGAIN_NEGATIVE || got == Errors.ERRNO_EWOULDBLOCK_NEGATIVE) {
                    break;
                }
                if (n > 0) {
                    // Deliver what was read first; the error comes with this socket's next receive.
                    pendingErrorSocket = socket;
                    pendingErrno = got;
                    break;
                }
                throw error("recvmmsg", got);
            }
            for (int i = n; i < n + got; i++) {
                Object packet = packets[i];
                buffer.received(i, DatagramAccess.received(packet));
                buffer.setPeerBytes(i, b.senderAddresses[i], 0, DatagramAccess.senderAddressLength(packet),
                        DatagramAccess.senderPort(packet));
            }
            n += got;
            b.dirty = n;
            if (got < want) {
                break;
            }
            want = buffer.slots - n;
        }
        b.expected = Math.max(MIN_BATCH, 2 * n);
        return n;
    }

    private static int receiveOneByOne(UdpDescriptor socket, DatagramBuffer buffer) throws IOException {
        long memory = Buffer.memoryAddress(buffer.memory);
        int n = 0;
        while (n < buffer.slots) {
            int at = n * buffer.stride;
            DatagramSocketAddress from = socket.recvFromAddress(memory, at, at + buffer.stride);
            if (from == null) {
                break;
            }
            buffer.received(n, from.receivedAmount());
            byte[] ip = from.getAddress().getAddress();
            buffer.setPeerBytes(n, ip, 0, ip.length, from.getPort());
            n++;
        }
        return n;
    }

    @Override
    public int send(Object raw, DatagramBuffer buffer, int first, int count, SendFailures failures) {
        UdpDescriptor socket = (UdpDescriptor) raw;
        boolean ipv6 = socket.isIpv6();
        int end = first + count;
        int i = first;
        Batch b = batched ? batch(buffer) : null;
        while (i < end) {
            if (!ipv6 && buffer.peerIpLength[i] == 16) {
                if (!failures.sendFailed(i, new IOException("slot " + i + " has an IPv6 peer and the socket is IPv4"))) {
                    return i + 1 - first;
                }
                i++;
                continue;
            }
            int result;
            int run = 1;
            if (b != null) {
                while (i + run < end && (ipv6 || buffer.peerIpLength[i + run] != 16)) {
                    run++;
                }
                for (int s = i; s < i + run; s++) {
                    prepare(b, buffer, s);
                }
                result = DatagramAccess.sendmmsg(socket.intValue(), ipv6, b.sendPackets, i, run);
            } else {
                result = sendOne(socket, buffer, i);
            }
            if (result > 0) {
                i += result;
            } else if (result == Errors.ERRNO_EAGAIN_NEGATIVE || result == Errors.ERRNO_EWOULDBLOCK_NEGATIVE) {
                break;
            } else {
                if (!failures.sendFailed(i, error(b != null ? "sendmmsg" : "sendto", result))) {
                    return i + 1 - first;
                }
                i++;
            }
        }
        return i - first;
    }

    /** Points slot {@code s}'s send packet at its payload and peer. */
    private static void prepare(Batch b, DatagramBuffer buffer, int s) {
        b.iovecs.putLong(16 * (buffer.slots + s) + 8, buffer.lengths[s]);
        int length = buffer.peerIpLength[s];
        if (length == 0) {
            DatagramAccess.setRecipient(b.sendPackets[s], 0, 0);
        } else {
            System.arraycopy(buffer.peerIps, 16 * s, b.recipientAddresses[s], 0, 16);
            DatagramAccess.setRecipient(b.sendPackets[s], 16, buffer.peerPorts[s]);
        }
    }

    /** One datagram through Netty's public calls: 1 when sent, or a negative errno (EAGAIN included). */
    private static int sendOne(UdpDescriptor socket, DatagramBuffer buffer, int s) {
        long memory = Buffer.memoryAddress(buffer.memory);
        int at = s * buffer.stride;
        int length = buffer.lengths[s];
        try {
            int n;
            if (buffer.peerIpLength[s] == 0) {
                n = socket.sendAddress(memory, at, at + length);
            } else {
                int ipLength = buffer.peerIpLength[s];
                byte[] ip = new byte[ipLength];
                System.arraycopy(buffer.peerIps, 16 * s + (ipLength == 4 ? 12 : 0), ip, 0, ipLength);
                n = socket.sendToAddress(memory, at, at + length, InetAddress.getByAddress(ip), buffer.peerPorts[s]);
            }
            // Netty's public calls answer EAGAIN with 0 bytes; an empty datagram also sends 0 bytes.
            return n > 0 || length == 0 ? 1 : Errors.ERRNO_EAGAIN_NEGATIVE;
        } catch (PortUnreachableException e) {
            return Errors.ERROR_ECONNREFUSED_NEGATIVE;
        } catch (Errors.NativeIoException e) {
            return e.expectedErr();
        } catch (IOException e) {
            return -5;
        }
    }

    /** The exception for a negative errno: port unreachable for ECONNREFUSED (an ICMP error on a connected socket). */
    private static IOException error(String call, int errno) {
        if (errno == Errors.ERROR_ECONNREFUSED_NEGATIVE) {
            return new PortUnreachableException(call + " failed: port unreachable (ICMP)");
        }
        return Errors.newIOException(call, errno);
    }

    @Override
    public int localPort(Object raw) {
        return sockets.localPort(raw);
    }

    @Override
    public byte[] localIp(Object raw) {
        InetSocketAddress local = ((UdpDescriptor) raw).localAddress();
        if (local == null || local.getAddress() == null || local.getAddress().isAnyLocalAddress()) {
            return new byte[0];
        }
        return local.getAddress() instanceof Inet4Address ? local.getAddress().getAddress()
                : Addresses.remoteAddressBytes(local.getAddress());
    }

    @Override
    public void close(Object raw) {
        sockets.close(raw);
    }
}
