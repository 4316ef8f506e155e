package io.usockets.backend.nio.channels;

import io.usockets.core.spi.DatagramBuffer;
import io.usockets.core.spi.DatagramOps;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The datagram operations on java.nio {@link DatagramChannel}s, for the nio and vertx backends and any other eventing
 * over {@link ChannelSocketOps}. The JDK has no batched calls: {@link #receive} calls {@code receive} until nothing is
 * waiting or the buffer is full, {@link #send} calls {@code send} (or {@code write} when connected) per slot.
 *
 * <p>No allocation per datagram in steady state: each read goes into the slot's own view of the buffer (slot size + 1
 * bytes, to detect truncation); the JDK returns the same sender address object for consecutive datagrams from one
 * sender, whose bytes are kept here from the last time (so only a new sender costs an array), and a reply to a received
 * slot reuses that object as its target.
 *
 * <p>One instance per loop; single-threaded.
 */
public final class ChannelDatagramOps implements DatagramOps {

    private final ChannelSocketOps sockets;

    /** The last sender address object seen and its IP bytes, so repeated senders cost nothing. */
    private InetSocketAddress lastSender;
    private byte[] lastSenderIp;
    /** The last address object made for a peer given as bytes, reused while the peer repeats. */
    private InetSocketAddress lastTarget;
    private final byte[] lastTargetIp = new byte[16];
    private int lastTargetLength = -1;

    /** An error met after some datagrams were read: reported by the channel's next receive. */
    private DatagramChannel pendingChannel;
    private IOException pendingError;

    /** Each buffer's per-slot views of {@code slot size + 1} bytes, for this instance. */
    private static final class Views {
        final ChannelDatagramOps owner;
        final ByteBuffer[] receive;
        final ByteBuffer[] send;

        Views(ChannelDatagramOps owner, DatagramBuffer buffer) {
            this.owner = owner;
            receive = new ByteBuffer[buffer.slots];
            send = new ByteBuffer[buffer.slots];
            for (int i = 0; i < buffer.slots; i++) {
                receive[i] = buffer.memory.slice(i * buffer.stride, buffer.stride);
                send[i] = buffer.memory.slice(i * buffer.stride, buffer.slotSize);
            }
        }
    }

    /**
     * The datagram operations beside {@code sockets}.
     *
     * @param sockets the loop's channel operations (closing)
     */
    ChannelDatagramOps(ChannelSocketOps sockets) {
        this.sockets = sockets;
    }

    @Override
    public DatagramChannel open(InetSocketAddress local, boolean reusePort) throws IOException {
        InetAddress host = local.getAddress();
        DatagramChannel channel = host.isAnyLocalAddress() ? DatagramChannel.open()
                : DatagramChannel.open(host instanceof Inet6Address ? StandardProtocolFamily.INET6
                        : StandardProtocolFamily.INET);
        try {
            if (reusePort) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.bind(local);
            channel.configureBlocking(false);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void connect(Object raw, InetSocketAddress peer) throws IOException {
        ((DatagramChannel) raw).connect(peer);
    }

    private Views views(DatagramBuffer buffer) {
        if (buffer.attachment instanceof Views v && v.owner == this) {
            return v;
        }
        Views v = new Views(this, buffer);
        buffer.attachment = v;
        return v;
    }

    @Override
    public int receive(Object raw, DatagramBuffer buffer) throws IOException {
        DatagramChannel channel = (DatagramChannel) raw;
        ByteBuffer[] views = views(buffer).receive;
        if (pendingChannel == channel) {
            IOException error = pendingError;
            pendingChannel = null;
            pendingError = null;
            throw error;
        }
        int n = 0;
        while (n < buffer.slots) {
            ByteBuffer view = views[n];
            view.clear();
            SocketAddress from;
            try {
                from = channel.receive(view);
            } catch (IOException e) {
                if (n == 0) {
                    throw e;
                }
                // Deliver what was read first; the error comes with the next receive, as recvmmsg does it.
                pendingChannel = channel;
                pendingError = e;
                break;
            }
            if (from == null) {
                break;
            }
            buffer.received(n, view.position());
            InetSocketAddress sender = (InetSocketAddress) from;
            if (sender != lastSender) {
                lastSenderIp = sender.getAddress().getAddress();
                lastSender = sender;
            }
            buffer.setPeerBytes(n, lastSenderIp, 0, lastSenderIp.length, sender.getPort());
            buffer.peerObjects[n] = sender;
            n++;
        }
        return n;
    }

    @Override
    public int send(Object raw, DatagramBuffer buffer, int first, int count, SendFailures failures) {
        DatagramChannel channel = (DatagramChannel) raw;
        ByteBuffer[] views = views(buffer).send;
        int end = first + count;
        int i = first;
        while (i < end) {
            ByteBuffer view = views[i];
            view.clear().limit(buffer.lengths[i]);
            int length = buffer.lengths[i];
            try {
                int n = buffer.peerIpLength[i] == 0 ? channel.write(view) : channel.send(view, target(buffer, i));
                if (n == 0 && length > 0) {
                    break;
                }
            } catch (IOException | RuntimeException e) {
                IOException error = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                if (!failures.sendFailed(i, error)) {
                    return i + 1 - first;
                }
            }
            i++;
        }
        return i - first;
    }

    /** The address object for slot {@code s}'s peer: the received one, the last one made, or a new one. */
    private InetSocketAddress target(DatagramBuffer buffer, int s) throws IOException {
        Object cached = buffer.peerObjects[s];
        if (cached instanceof InetSocketAddress isa) {
            return isa;
        }
        int length = buffer.peerIpLength[s];
        int from = 16 * s + (length == 4 ? 12 : 0);
        int port = buffer.peerPorts[s];
        if (lastTarget != null && lastTargetLength == length && lastTarget.getPort() == port
                && java.util.Arrays.equals(lastTargetIp, 0, length, buffer.peerIps, from, from + length)) {
            return lastTarget;
        }
        byte[] ip = new byte[length];
        System.arraycopy(buffer.peerIps, from, ip, 0, length);
        System.arraycopy(ip, 0, lastTargetIp, 0, length);
        lastTargetLength = length;
        lastTarget = new InetSocketAddress(InetAddress.getByAddress(ip), port);
        return lastTarget;
    }

    @Override
    public int localPort(Object raw) {
        try {
            SocketAddress local = ((DatagramChannel) raw).getLocalAddress();
            return local instanceof InetSocketAddress inet ? inet.getPort() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public byte[] localIp(Object raw) {
        try {
            SocketAddress local = ((DatagramChannel) raw).getLocalAddress();
            if (local instanceof InetSocketAddress inet && !inet.getAddress().isAnyLocalAddress()) {
                return inet.getAddress() instanceof Inet4Address ? inet.getAddress().getAddress()
                        : io.usockets.core.spi.Addresses.remoteAddressBytes(inet.getAddress());
            }
        } catch (IOException e) {
            // Closed: nothing to report.
        }
        return new byte[0];
    }

    @Override
    public void close(Object raw) {
        sockets.close(raw);
    }
}
