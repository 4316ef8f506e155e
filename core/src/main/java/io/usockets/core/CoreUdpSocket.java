package io.usockets.core;

import io.usockets.Loop;
import io.usockets.UdpHandler;
import io.usockets.UdpOptions;
import io.usockets.UdpPacketBuffer;
import io.usockets.UdpSocket;
import io.usockets.core.spi.CorePoll;
import io.usockets.core.spi.DatagramBuffer;
import io.usockets.core.spi.DatagramOps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A UDP socket (µSockets' us_udp_socket_t): a poll of kind {@link CorePoll#KIND_DATAGRAM} on the loop's eventing, its
 * datagrams moved by the loop's {@link DatagramOps}. READABLE interest always; WRITABLE only after a short send, until
 * the drain callback (docs/ARCHITECTURE.md, "UDP"). A live UDP socket keeps the loop running.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class CoreUdpSocket<E> extends CorePoll implements UdpSocket<E>, DatagramOps.SendFailures {

    private final CoreLoop loop;
    private final DatagramOps ops;
    private final DatagramBuffer buffer;
    private final UdpHandler<E> handler;
    private final int port;
    private final byte[] localIp;
    private final String name;
    private boolean closed;
    private boolean connected;
    private boolean draining;
    private E ext;

    /** Links in the loop's list of UDP sockets. */
    CoreUdpSocket<?> prev;
    CoreUdpSocket<?> next;

    /** Opens, binds and registers the socket; throws UncheckedIOException when it cannot be bound. */
    CoreUdpSocket(CoreLoop loop, DatagramOps ops, String host, int port, UdpPacketBuffer buffer,
            UdpHandler<E> handler, E ext, UdpOptions options) {
        super(KIND_DATAGRAM);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; expected 0 to 65535");
        }
        if (!(buffer instanceof DatagramBuffer b)) {
            throw new IllegalArgumentException("the packet buffer must come from UdpPacketBuffer.create, got " + buffer);
        }
        if (handler == null || options == null) {
            throw new IllegalArgumentException("a UDP socket needs a handler and options, got " + handler + ", "
                    + options);
        }
        this.loop = loop;
        this.ops = ops;
        this.buffer = b;
        this.handler = handler;
        this.ext = ext;
        String where = (host == null ? "*" : host) + ":" + port;
        Object raw;
        try {
            InetSocketAddress local = host == null ? new InetSocketAddress(port)
                    : new InetSocketAddress(InetAddress.getByName(host), port);
            raw = ops.open(local, options.reusePort());
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new UncheckedIOException("cannot bind a UDP socket to " + where + ": " + why
                    + (options.reusePort() ? "" : " (the port is exclusive; UdpOptions.REUSE_PORT shares it)"), e);
        }
        try {
            loop.eventing.register(this, raw);
        } catch (IOException | RuntimeException e) {
            ops.close(raw);
            throw e instanceof IOException io ? new UncheckedIOException("cannot register the UDP socket on " + where, io)
                    : (RuntimeException) e;
        }
        this.port = ops.localPort(raw);
        this.localIp = ops.localIp(raw);
        this.name = "UdpSocket[" + (host == null ? "*" : host) + ":" + this.port + "]";
        loop.eventing.setInterest(this, READABLE);
        loop.liveCount++;
        loop.linkUdp(this);
    }

    @Override
    public void onReady(int events, boolean error) {
        if (closed) {
            return;
        }
        try {
            if ((events & READABLE) != 0 || error) {
                int n = read(buffer);
                if (n > 0 && !closed) {
                    handler.onData(this, buffer, n);
                }
            }
            if ((events & WRITABLE) != 0 && draining && !closed) {
                draining = false;
                loop.eventing.setInterest(this, READABLE);
                handler.onDrain(this);
            }
        } catch (Throwable t) {
            loop.callbackFailed(this, t);
        }
    }

    /** One receive into {@code into}; an error goes to onError with slot -1. */
    private int read(DatagramBuffer into) {
        try {
            int n = ops.receive(loop.eventing.raw(this), into);
            into.receivedOn(localIp);
            return n;
        } catch (IOException e) {
            handler.onError(this, -1, e);
            return 0;
        }
    }

    @Override
    public int send(UdpPacketBuffer packets, int first, int count) {
        loop.checkThread();
        if (closed) {
            return 0;
        }
        if (!(packets instanceof DatagramBuffer b)) {
            throw new IllegalArgumentException("the packet buffer must come from UdpPacketBuffer.create, got " + packets);
        }
        if (first < 0 || count < 0 || first > b.slots - count) {
            throw new IllegalArgumentException("slots " + first + " to " + (first + count - 1)
                    + " are out of range; expected within 0 to " + (b.slots - 1));
        }
        if (!connected) {
            for (int i = first; i < first + count; i++) {
                if (b.peerIpLength[i] == 0) {
                    throw new IllegalArgumentException("slot " + i + " has no peer and " + name + " is not connected");
                }
            }
        }
        int handled = ops.send(loop.eventing.raw(this), b, first, count, this);
        if (handled < count && !closed && !draining) {
            draining = true;
            loop.eventing.setInterest(this, READABLE | WRITABLE);
        }
        return handled;
    }

    @Override
    public boolean sendFailed(int slot, IOException error) {
        handler.onError(this, slot, error);
        return !closed;
    }

    @Override
    public int receive(UdpPacketBuffer packets) {
        loop.checkThread();
        if (closed) {
            return 0;
        }
        if (!(packets instanceof DatagramBuffer b)) {
            throw new IllegalArgumentException("the packet buffer must come from UdpPacketBuffer.create, got " + packets);
        }
        return read(b);
    }

    @Override
    public void connect(String host, int peerPort) {
        loop.checkThread();
        if (peerPort < 1 || peerPort > 65535) {
            throw new IllegalArgumentException("port " + peerPort + " is out of range; expected 1 to 65535");
        }
        if (closed) {
            return;
        }
        try {
            ops.connect(loop.eventing.raw(this), new InetSocketAddress(InetAddress.getByName(host), peerPort));
        } catch (UnknownHostException e) {
            throw new UncheckedIOException("cannot connect " + name + " to " + host + ": host not resolved", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect " + name + " to " + host + ":" + peerPort + ": "
                    + e.getMessage(), e);
        }
        connected = true;
    }

    @Override
    public int boundPort() {
        return closed ? -1 : port;
    }

    @Override
    public void close() {
        loop.checkThread();
        if (closed) {
            return;
        }
        closed = true;
        if (io != null) {
            loop.eventing.close(this);
            io = null;
        }
        loop.liveCount--;
        loop.unlinkUdp(this);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public Loop loop() {
        return loop;
    }

    @Override
    public E ext() {
        return ext;
    }

    @Override
    public void setExt(E value) {
        loop.checkThread();
        this.ext = value;
    }

    @Override
    public String toString() {
        return closed ? name + " (closed)" : name;
    }
}
