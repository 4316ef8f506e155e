package io.usockets.backend.nio.channels;

import io.usockets.ListenOptions;
import io.usockets.NativeHandle;
import io.usockets.core.spi.Addresses;
import io.usockets.core.spi.SocketOps;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The socket operations on java.nio channels, used by the {@code nio} backend (its own Selector) and the {@code vertx}
 * backend (Netty's NIO selector behind a Vert.x event loop): opening listen and connecting channels, accepting, reading,
 * writing, shutting down, addresses and handles. Raw objects are {@link SocketChannel}s and
 * {@link ServerSocketChannel}s (any {@link SelectableChannel} for user polls).
 *
 * <p>{@code msgMore} and {@link #flush} do nothing: java.nio exposes neither MSG_MORE nor TCP_CORK, and every TCP
 * channel has TCP_NODELAY, so each write goes out at once.
 *
 * <p>One instance per loop (it holds the array of a gathering write); single-threaded.
 */
public final class ChannelSocketOps implements SocketOps {

    private static final System.Logger LOG = System.getLogger("io.usockets");

    private final String backendName;
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private ChannelDatagramOps datagramOps;

    /**
     * The operations of one loop of the backend named {@code backendName} (for messages).
     *
     * @param backendName the backend's name, for messages
     */
    public ChannelSocketOps(String backendName) {
        this.backendName = backendName;
    }

    /** The datagram operations on channels, made on first use. */
    @Override
    public ChannelDatagramOps datagramOps() {
        if (datagramOps == null) {
            datagramOps = new ChannelDatagramOps(this);
        }
        return datagramOps;
    }

    @Override
    public ServerSocketChannel listen(SocketAddress address, ListenOptions options) throws IOException {
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

    @Override
    public SocketChannel accept(Object listen) throws IOException {
        ServerSocketChannel server = (ServerSocketChannel) listen;
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

    @Override
    public SocketChannel connect(SocketAddress remote, SocketAddress source) throws IOException {
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

    @Override
    public boolean finishConnect(Object socket) throws IOException {
        return ((SocketChannel) socket).finishConnect();
    }

    @Override
    public int read(Object socket, ByteBuffer buffer) throws IOException {
        return ((SocketChannel) socket).read(buffer);
    }

    @Override
    public int write(Object socket, ByteBuffer buffer, boolean msgMore) throws IOException {
        return ((SocketChannel) socket).write(buffer);
    }

    /** One gathering write of {@code header} then {@code payload} through a reused two-element array. */
    @Override
    public long write2(Object socket, ByteBuffer header, ByteBuffer payload) throws IOException {
        ByteBuffer[] pair = gather;
        pair[0] = header;
        pair[1] = payload;
        try {
            return ((SocketChannel) socket).write(pair);
        } finally {
            pair[0] = null;
            pair[1] = null;
        }
    }

    @Override
    public void flush(Object socket) {
        // Nothing is held back on NIO: see the class comment.
    }

    @Override
    public void shutdownOutput(Object socket) throws IOException {
        ((SocketChannel) socket).shutdownOutput();
    }

    @Override
    public void shutdownInput(Object socket) throws IOException {
        ((SocketChannel) socket).shutdownInput();
    }

    @Override
    public void close(Object raw) {
        try {
            ((SelectableChannel) raw).close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close failed", e);
        }
    }

    /** The local port of a socket or listen channel, or -1 (unix sockets, closed channels). */
    @Override
    public int localPort(Object channel) {
        try {
            SocketAddress local = channel instanceof ServerSocketChannel s ? s.getLocalAddress()
                    : ((SocketChannel) channel).getLocalAddress();
            return local instanceof InetSocketAddress inet ? inet.getPort() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The remote port, or -1 (unix sockets, closed channels). */
    @Override
    public int remotePort(Object channel) {
        try {
            return ((SocketChannel) channel).getRemoteAddress() instanceof InetSocketAddress inet ? inet.getPort() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The remote IP bytes (4 for IPv4 and IPv4-mapped peers, 16 for IPv6), or empty for unix sockets. */
    @Override
    public byte[] remoteAddress(Object channel) {
        try {
            if (((SocketChannel) channel).getRemoteAddress() instanceof InetSocketAddress inet) {
                return Addresses.remoteAddressBytes(inet.getAddress());
            }
        } catch (IOException e) {
            // fall through: no address
        }
        return new byte[0];
    }

    @Override
    public NativeHandle handleOf(Object raw) {
        return NativeHandle.ofChannel((SelectableChannel) raw);
    }

    /** The open channel inside a public handle, made non-blocking; a descriptor or a closed channel is refused. */
    @Override
    public SelectableChannel rawOf(NativeHandle handle) throws IOException {
        SelectableChannel channel = handle.channel();
        if (channel == null) {
            throw new IllegalArgumentException(handle + " holds a descriptor; the " + backendName
                    + " backend needs a channel");
        }
        if (!channel.isOpen()) {
            throw new IllegalArgumentException(handle + " is closed");
        }
        channel.configureBlocking(false);
        return channel;
    }
}
