package io.usockets.backend.vertx;

import io.netty.channel.nio.NioIoOps;
import io.vertx.core.Vertx;
import io.usockets.ListenOptions;
import io.usockets.NativeHandle;
import io.usockets.backend.nio.channels.ChannelOps;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The {@code vertx} backend's poller: polls are java.nio channels registered with Netty's NIO selector behind the
 * Vert.x event loop (as {@link NioChannelHandle}s); the socket operations are backend-nio's {@link ChannelOps}.
 *
 * <p>Interest goes to Netty as one of its cached {@link NioIoOps} constants, so changing it allocates nothing.
 * {@code msgMore} and {@code flush} do nothing, as on the nio backend (no MSG_MORE or TCP_CORK in java.nio).
 *
 * <p>Single-threaded (see {@link VertxPoller}).
 */
final class VertxNioPoller extends VertxPoller {

    private final ByteBuffer[] gather = new ByteBuffer[2];
    /** Netty's selector, learnt from the first registration (for the re-registration check and flushing). */
    private Selector selector;

    VertxNioPoller(String backendName, VertxAccess access, Vertx owned, long tickNanos) {
        super(backendName, access, owned, tickNanos);
    }

    private static SocketChannel channel(CorePoll socket) {
        return (SocketChannel) ((NioChannelHandle) socket.io).channel;
    }

    private static NioIoOps ops(int value) {
        return switch (value) {
            case 0 -> NioIoOps.NONE;
            case SelectionKey.OP_READ -> NioIoOps.READ;
            case SelectionKey.OP_WRITE -> NioIoOps.WRITE;
            case SelectionKey.OP_READ | SelectionKey.OP_WRITE -> NioIoOps.READ_AND_WRITE;
            case SelectionKey.OP_ACCEPT -> NioIoOps.ACCEPT;
            case SelectionKey.OP_CONNECT -> NioIoOps.CONNECT;
            default -> NioIoOps.valueOf(value);
        };
    }

    // ---------------------------------------------------------------- registration

    @Override
    VertxHandle newHandle(CorePoll poll, Object raw) throws IOException {
        SelectableChannel channel = (SelectableChannel) raw;
        channel.configureBlocking(false);
        return new NioChannelHandle(this, poll, channel);
    }

    @Override
    void submit(VertxHandle h) {
        NioChannelHandle n = (NioChannelHandle) h;
        int value = ChannelOps.interestOps(h.poll.kind, h.interest, n.channel);
        if (value != h.submitted && h.registration != null) {
            h.submitted = value;
            h.registration.submit(ops(value));
            if (selector == null) {
                selector = ((SelectionKey) h.registration.attachment()).selector();
            }
        }
    }

    @Override
    void withdrawInterest(VertxHandle h) {
        if (h.registration != null) {
            h.registration.submit(NioIoOps.NONE);
        }
    }

    @Override
    void closeHandle(VertxHandle h) {
        ChannelOps.close(((NioChannelHandle) h).channel);
    }

    /**
     * A selectNow on Netty's selector, outside Netty's batch of events (see {@link VertxPoller#requestFlush}): the
     * JDK then closes closed channels' descriptors and frees a closed listen socket's port. Keys it finds ready are
     * found again by Netty's next select (polling is level-triggered).
     */
    @Override
    void flushCancelledRegistrations() {
        Selector s = selector;
        if (s != null && s.isOpen()) {
            try {
                s.selectNow();
            } catch (IOException | RuntimeException e) {
                System.getLogger("io.usockets").log(System.Logger.Level.DEBUG, "flushing cancelled keys failed", e);
            }
        }
    }

    @Override
    public void closeRaw(Object raw) {
        ChannelOps.close((SelectableChannel) raw);
    }

    // ---------------------------------------------------------------- listen, accept, connect

    @Override
    public Object listen(SocketAddress address, ListenOptions options) throws IOException {
        return ChannelOps.listen(address, options);
    }

    @Override
    public Object accept(CorePoll listen) throws IOException {
        return ChannelOps.accept((ServerSocketChannel) ((NioChannelHandle) listen.io).channel);
    }

    @Override
    public Object connect(SocketAddress remote, SocketAddress source) throws IOException {
        return ChannelOps.connect(remote, source);
    }

    @Override
    public boolean finishConnect(CorePoll socket) throws IOException {
        return channel(socket).finishConnect();
    }

    // ---------------------------------------------------------------- reading and writing

    @Override
    public int read(CorePoll socket, ByteBuffer buffer) throws IOException {
        return channel(socket).read(buffer);
    }

    @Override
    public int write(CorePoll socket, ByteBuffer buffer, boolean msgMore) throws IOException {
        return channel(socket).write(buffer);
    }

    @Override
    public long write2(CorePoll socket, ByteBuffer header, ByteBuffer payload) throws IOException {
        return ChannelOps.write2(channel(socket), gather, header, payload);
    }

    @Override
    public void flush(CorePoll socket) {
        // Nothing is held back on NIO.
    }

    @Override
    public void shutdownOutput(CorePoll socket) throws IOException {
        channel(socket).shutdownOutput();
    }

    @Override
    public void shutdownInput(CorePoll socket) throws IOException {
        channel(socket).shutdownInput();
    }

    // ---------------------------------------------------------------- addresses and handles

    @Override
    public int localPort(CorePoll poll) {
        return ChannelOps.localPort(((NioChannelHandle) poll.io).channel);
    }

    @Override
    public int remotePort(CorePoll socket) {
        return ChannelOps.remotePort(channel(socket));
    }

    @Override
    public byte[] remoteAddress(CorePoll socket) {
        return ChannelOps.remoteAddress(channel(socket));
    }

    @Override
    public NativeHandle handle(CorePoll poll) {
        return NativeHandle.ofChannel(((NioChannelHandle) poll.io).channel);
    }

    @Override
    public NativeHandle handleOfRaw(Object raw) {
        return NativeHandle.ofChannel((SelectableChannel) raw);
    }

    @Override
    public Object rawOf(NativeHandle handle) throws IOException {
        SelectableChannel channel = ChannelOps.channelOf(handle, backendName());
        Selector s = selector;
        if (s != null) {
            SelectionKey key = channel.keyFor(s);
            if (key != null && key.isValid()) {
                throw new IllegalArgumentException(handle + " is already registered with this loop");
            }
        }
        channel.configureBlocking(false);
        return channel;
    }
}
