package io.usockets.backend.nio.channels;

import io.usockets.ListenOptions;
import io.usockets.NativeHandle;
import io.usockets.core.spi.Addresses;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The socket operations of the java.nio backends on plain channels, shared by the {@code nio} backend (its own
 * Selector) and the {@code vertx} backend (Netty's NIO selector behind a Vert.x event loop): opening listen and
 * connecting channels, accepting, addresses, and the mapping between the core's READABLE/WRITABLE and NIO's
 * interest and ready operations.
 *
 * <p>Stateless; every method may be called on any thread that may touch the channel.
 */
public final class ChannelOps {

    private static final System.Logger LOG = System.getLogger("io.usockets");

    private ChannelOps() {
    }

    /** NIO interest operations for a poll of {@code kind} on {@code channel} watching {@code events}. */
    public static int interestOps(byte kind, int events, SelectableChannel channel) {
        int ops = 0;
        switch (kind) {
            case CorePoll.KIND_LISTEN -> {
                if ((events & CorePoll.READABLE) != 0) {
                    ops = SelectionKey.OP_ACCEPT;
                }
            }
            case CorePoll.KIND_CONNECTING -> {
                if ((events & CorePoll.WRITABLE) != 0) {
                    // A connect that completed at once never signals OP_CONNECT: wait for OP_WRITE instead.
                    ops = ((SocketChannel) channel).isConnectionPending() ? SelectionKey.OP_CONNECT
                            : SelectionKey.OP_WRITE;
                }
            }
            case CorePoll.KIND_SOCKET -> {
                if ((events & CorePoll.READABLE) != 0) {
                    ops = SelectionKey.OP_READ;
                }
                if ((events & CorePoll.WRITABLE) != 0) {
                    ops |= SelectionKey.OP_WRITE;
                }
            }
            default -> {
                int valid = channel.validOps();
                if ((events & CorePoll.READABLE) != 0) {
                    ops = valid & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT);
                }
                if ((events & CorePoll.WRITABLE) != 0) {
                    ops |= valid & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT);
                }
            }
        }
        return ops;
    }

    /** The core's READABLE/WRITABLE mask for NIO ready operations. */
    public static int readyEvents(int readyOps) {
        int events = 0;
        if ((readyOps & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            events |= CorePoll.READABLE;
        }
        if ((readyOps & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            events |= CorePoll.WRITABLE;
        }
        return events;
    }

    /** Opens a non-blocking listening channel on a TCP or unix address (SO_REUSEPORT unless exclusive). */
    public static ServerSocketChannel listen(SocketAddress address, ListenOptions options) throws IOException {
        ServerSocketChannel channel;
        boolean unix = address instanceof UnixDomainSocketAddress;
        if (unix) {
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } else {
            InetSocketAddress inet = (InetSocketAddress) address;
            channel = inet.getAddress().isAnyLocalAddress() ? ServerSocketChannel.open()
                    : ServerSocketChannel.open(inet.getAddress() instanceof Inet6Address
                            ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        }
        try {
            if (!unix) {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (!options.exclusivePort() && channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
            }
            channel.bind(address, options.backlog());
            channel.configureBlocking(false);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Accepts one pending connection, non-blocking with TCP_NODELAY, or null if none is pending. */
    public static SocketChannel accept(ServerSocketChannel server) throws IOException {
        for (;;) {
            SocketChannel channel = server.accept();
            if (channel == null) {
                return null;
            }
            try {
                configure(channel);
                return channel;
            } catch (IOException e) {
                channel.close();
            }
        }
    }

    private static void configure(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        if (channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
    }

    /** Starts a non-blocking connect to {@code remote}, bound first to {@code source} if not null. */
    public static SocketChannel connect(SocketAddress remote, SocketAddress source) throws IOException {
        SocketChannel channel;
        if (remote instanceof UnixDomainSocketAddress) {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } else {
            InetSocketAddress inet = (InetSocketAddress) remote;
            channel = SocketChannel.open(inet.getAddress() instanceof Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        }
        try {
            configure(channel);
            if (source != null) {
                channel.bind(source);
            }
            channel.connect(remote);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** One gathering write of {@code header} then {@code payload} through a reused two-element array. */
    public static long write2(SocketChannel channel, ByteBuffer[] pair, ByteBuffer header, ByteBuffer payload)
            throws IOException {
        pair[0] = header;
        pair[1] = payload;
        try {
            return channel.write(pair);
        } finally {
            pair[0] = null;
            pair[1] = null;
        }
    }

    /** Closes a channel, logging a failure at DEBUG. */
    public static void close(SelectableChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close failed", e);
        }
    }

    /** The local port of a socket or listen channel, or -1 (unix sockets, closed channels). */
    public static int localPort(SelectableChannel channel) {
        try {
            SocketAddress local = channel instanceof ServerSocketChannel s ? s.getLocalAddress()
                    : ((SocketChannel) channel).getLocalAddress();
            return local instanceof InetSocketAddress inet ? inet.getPort() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The remote port, or -1 (unix sockets, closed channels). */
    public static int remotePort(SocketChannel channel) {
        try {
            return channel.getRemoteAddress() instanceof InetSocketAddress inet ? inet.getPort() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The remote IP bytes (4 for IPv4 and IPv4-mapped peers, 16 for IPv6), or empty for unix sockets. */
    public static byte[] remoteAddress(SocketChannel channel) {
        try {
            if (channel.getRemoteAddress() instanceof InetSocketAddress inet) {
                return Addresses.remoteAddressBytes(inet.getAddress());
            }
        } catch (IOException e) {
            // fall through: no address
        }
        return new byte[0];
    }

    /**
     * The open channel inside a public handle, or IllegalArgumentException if it holds a descriptor or is closed;
     * the caller still checks that the channel is not registered with its own loop and makes it non-blocking.
     */
    public static SelectableChannel channelOf(NativeHandle handle, String backendName) {
        SelectableChannel channel = handle.channel();
        if (channel == null) {
            throw new IllegalArgumentException(handle + " holds a descriptor; the " + backendName
                    + " backend needs a channel");
        }
        if (!channel.isOpen()) {
            throw new IllegalArgumentException(handle + " is closed");
        }
        return channel;
    }
}
