package io.usockets.backend.vertx;

import io.netty.channel.IoEvent;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import io.usockets.backend.natives.EpollEvents;
import io.usockets.core.spi.CorePoll;

/**
 * What a poll is on the Netty event loop behind a Vert.x context: an {@link IoHandle} registered with that loop,
 * whose readiness events Netty delivers to {@link #handle}. It is the poll's {@code io} object; the transport
 * subclass adds the channel or descriptor.
 *
 * <p>Lifecycle: created and registered by {@link VertxPoller#register}; interest is submitted to the registration
 * only when it changes; {@link #released} is set when the core closes or deregisters the poll, after which events
 * and Netty's {@link #close()} are ignored. Single-threaded: the event-loop thread.
 */
abstract class VertxHandle implements IoHandle {

    final VertxPoller poller;
    /** The poll events go to; {@link VertxPoller#transfer} changes it. */
    CorePoll poll;
    /** The channel or descriptor, for the socket operations. */
    private final Object raw;
    /** The registration returned by the event loop (Netty's wrapper, so cancelling keeps its count right). */
    IoRegistration registration;
    /** READABLE/WRITABLE wanted by the core. */
    int interest;
    /** The interest last submitted to the transport (its own encoding), or -1 before any submit. */
    int submitted = -1;
    /** Events arrived while the loop was not handed to the event loop: interest is withdrawn until it is. */
    boolean parked;
    /** Closed or deregistered by the core. */
    boolean released;

    VertxHandle(VertxPoller poller, CorePoll poll, Object raw) {
        this.poller = poller;
        this.poll = poll;
        this.raw = raw;
    }

    /** Added to {@link #readyEvents}'s mask when the transport saw an error condition (EPOLLERR, EPOLLHUP). */
    static final int ERROR = EpollEvents.ERROR;

    /** The channel or descriptor, for the socket operations. */
    final Object raw() {
        return raw;
    }

    /** The core's READABLE/WRITABLE mask for one of the transport's events, plus {@link #ERROR}; 0 to ignore it. */
    abstract int readyEvents(IoEvent event);

    @Override
    public final void handle(IoRegistration registration, IoEvent event) {
        poller.dispatch(this, readyEvents(event));
    }

    @Override
    public final void close() {
        // Netty calls this for a registration it found cancelled in a batch (ours: nothing to do) and when the
        // event loop shuts down under a loop that is still open.
        if (!released) {
            poller.hostClosing();
        }
    }
}
