package io.usockets.backend.nio.channels;

import io.usockets.core.spi.CorePoll;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * How the core's READABLE and WRITABLE map to java.nio's interest and ready operations, for the two eventings on a
 * NIO selector (the {@code nio} backend's own and Netty's behind a Vert.x event loop): a listen socket's READABLE is
 * OP_ACCEPT, a connecting socket's WRITABLE is OP_CONNECT (or OP_WRITE once the connect completed at once).
 */
public final class NioInterest {

    private NioInterest() {
    }

    /**
     * NIO interest operations for a poll of {@code kind} on {@code channel} watching {@code events}.
     *
     * @param kind    the poll's kind
     * @param events  a mask of READABLE and WRITABLE
     * @param channel the poll's channel
     * @return the {@code SelectionKey} interest ops
     */
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

    /**
     * The core's READABLE/WRITABLE mask for NIO ready operations.
     *
     * @param readyOps the key's ready ops
     * @return a mask of READABLE and WRITABLE
     */
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
}
