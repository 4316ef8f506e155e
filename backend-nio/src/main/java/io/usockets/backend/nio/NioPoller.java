package io.usockets.backend.nio;

import io.usockets.backend.nio.channels.ChannelSocketOps;
import io.usockets.backend.nio.channels.NioInterest;
import io.usockets.core.spi.BlockingEventing;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * One loop's java.nio eventing: a {@link Selector}, with each poll's {@link SelectionKey} as its {@code io} handle
 * and the poll itself as the key's attachment. The socket operations are {@link ChannelSocketOps}.
 *
 * <p>Ready keys are delivered through {@link Selector#select(Consumer, long)} with one consumer made at
 * construction, so no selected-key set, iterator or lambda is allocated per event. Interest maps as
 * READABLE → OP_READ (OP_ACCEPT on a listen socket), WRITABLE → OP_WRITE (OP_CONNECT while a connect is pending).
 * NIO reports errors as readiness of every interest op; the core then finds the error on the read or write.
 *
 * <p>NIO defers closing a registered channel's descriptor to the selector's next select. For a connected socket
 * that only delays the release (the peer already got FIN). For a listen socket it would keep the port accepting,
 * and a cancelled key keeps its channel from being registered again, so closing a listen socket and freeing a
 * user poll flush the selector's cancelled keys with {@code selectNow()} at once; inside a batch of ready events
 * (where the JDK forbids a nested select) the flush runs as soon as the batch is done. That {@code selectNow()}
 * can consume a pending {@link #wakeup()}, which is why the core checks its own wakeup flag before blocking.
 *
 * <p>Single-threaded except {@link #wakeup()}.
 */
final class NioPoller extends BlockingEventing {

    private final Selector selector;
    private final ChannelSocketOps ops = new ChannelSocketOps("nio");
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    /** True while {@link #poll} is inside a select, where the JDK forbids a nested select. */
    private boolean selecting;
    /** A flush of cancelled keys was asked for during a select. */
    private boolean flushPending;

    NioPoller() throws IOException {
        selector = Selector.open();
    }

    @Override
    public String backendName() {
        return "nio";
    }

    @Override
    public ChannelSocketOps ops() {
        return ops;
    }

    private void dispatch(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        ((CorePoll) key.attachment()).onReady(NioInterest.readyEvents(key.readyOps()), false);
    }

    @Override
    protected void waitAndDispatch(long timeoutNanos) throws IOException {
        selecting = true;
        try {
            if (timeoutNanos < 0) {
                selector.select(dispatch);
            } else if (timeoutNanos == 0) {
                selector.selectNow(dispatch);
            } else {
                // Round up so a sub-millisecond wait does not become a busy selectNow loop.
                selector.select(dispatch, Math.max(1, (timeoutNanos + 999_999) / 1_000_000));
            }
        } finally {
            selecting = false;
        }
        if (flushPending) {
            flushCancelledKeys();
        }
    }

    /**
     * Makes the selector drop its cancelled keys now, which closes the descriptors of closed channels and lets a
     * deregistered channel be registered again; during a select it is postponed to the end of the batch. The keys
     * this {@code selectNow()} finds ready are discarded: polling is level-triggered, so they are reported again.
     */
    private void flushCancelledKeys() {
        if (selecting) {
            flushPending = true;
            return;
        }
        flushPending = false;
        try {
            selector.selectNow();
            selector.selectedKeys().clear();
        } catch (IOException e) {
            System.getLogger("io.usockets").log(System.Logger.Level.WARNING, "flushing cancelled keys failed", e);
        }
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        try {
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof CorePoll p && p.kind != CorePoll.KIND_CALLBACK) {
                    key.channel().close();
                }
            }
            selector.close();
        } catch (IOException e) {
            System.getLogger("io.usockets").log(System.Logger.Level.WARNING, "closing the selector failed", e);
        }
    }

    // ---------------------------------------------------------------- registration

    @Override
    public void register(CorePoll poll, Object raw) throws IOException {
        SelectableChannel channel = (SelectableChannel) raw;
        SelectionKey old = channel.keyFor(selector);
        if (old != null && !old.isValid()) {
            // Freed from a poll in this batch of events: the selector still holds the cancelled key.
            flushCancelledKeys();
            if (selecting) {
                throw new IllegalStateException(channel + " was deregistered during this batch of events; "
                        + "register it again after the batch (for example from Loop.defer)");
            }
        }
        channel.configureBlocking(false);
        poll.io = channel.register(selector, 0, poll);
    }

    @Override
    public void setInterest(CorePoll poll, int events) {
        SelectionKey key = (SelectionKey) poll.io;
        int interest = NioInterest.interestOps(poll.kind, events, key.channel());
        if (key.interestOps() != interest) {
            key.interestOps(interest);
        }
    }

    @Override
    public void close(CorePoll poll) {
        SelectionKey key = (SelectionKey) poll.io;
        if (key != null) {
            ops.close(key.channel());
            if (poll.kind == CorePoll.KIND_LISTEN) {
                // Release the port now, not at the next select (see the class comment).
                flushCancelledKeys();
            }
        }
    }

    @Override
    public void deregister(CorePoll poll) {
        SelectionKey key = (SelectionKey) poll.io;
        if (key != null) {
            key.cancel();
            flushCancelledKeys();
        }
    }

    @Override
    public void transfer(CorePoll from, CorePoll to) {
        SelectionKey key = (SelectionKey) from.io;
        key.attach(to);
        to.io = key;
        from.io = null;
    }

    // ---------------------------------------------------------------- raw channels

    @Override
    public Object raw(CorePoll poll) {
        return ((SelectionKey) poll.io).channel();
    }

    @Override
    public boolean isRegistered(Object raw) {
        SelectionKey key = ((SelectableChannel) raw).keyFor(selector);
        return key != null && key.isValid();
    }
}
