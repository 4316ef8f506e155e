package io.usockets.backend.vertx;

import io.netty.channel.nio.NioIoOps;
import io.vertx.core.Vertx;
import io.usockets.backend.nio.channels.ChannelSocketOps;
import io.usockets.backend.nio.channels.NioInterest;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * The {@code vertx} backend's eventing: polls are java.nio channels registered with Netty's NIO selector behind the
 * Vert.x event loop (as {@link NioChannelHandle}s); the socket operations are backend-nio's {@link ChannelSocketOps}.
 *
 * <p>Interest goes to Netty as one of its cached {@link NioIoOps} constants, so changing it allocates nothing.
 *
 * <p>Single-threaded (see {@link VertxPoller}).
 */
final class VertxNioPoller extends VertxPoller {

    /** Netty's selector, learnt from the first registration (for the re-registration check and flushing). */
    private Selector selector;

    VertxNioPoller(String backendName, VertxAccess access, Vertx owned, long tickNanos) {
        super(backendName, access, owned, tickNanos, new ChannelSocketOps(backendName));
    }

    private static NioIoOps nettyOps(int value) {
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
        int value = NioInterest.interestOps(h.poll.kind, h.interest, n.selectableChannel());
        if (value != h.submitted && h.registration != null) {
            h.submitted = value;
            h.registration.submit(nettyOps(value));
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
    public boolean isRegistered(Object raw) {
        Selector s = selector;
        if (s == null) {
            return false;
        }
        SelectionKey key = ((SelectableChannel) raw).keyFor(s);
        return key != null && key.isValid();
    }
}
