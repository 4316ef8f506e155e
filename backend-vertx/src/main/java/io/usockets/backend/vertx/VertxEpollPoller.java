package io.usockets.backend.vertx;

import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;
import io.usockets.backend.natives.DescriptorSocketOps;
import io.usockets.backend.natives.EpollEvents;
import io.usockets.core.spi.CorePoll;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.BitSet;

/**
 * The {@code vertx-epoll} backend's eventing: polls are raw descriptors registered with Netty's epoll set behind the
 * Vert.x event loop (as {@link EpollDescriptorHandle}s); the socket operations are backend-native's
 * {@link DescriptorSocketOps} (memory-address reads and writes, TCP_CORK for {@code msgMore}, writev for
 * {@code write2}).
 *
 * <p>Interest is level-triggered EPOLLIN/EPOLLOUT, as Netty's cached {@link EpollIoOps} constants, and events map to
 * the core's as {@link EpollEvents} says. "No interest" is EPOLLERR alone: Netty's registration deletes a descriptor
 * given no interest at all and then fails the next change. A handle parked while the loop is not handed to the event
 * loop has its registration cancelled and gets a new one when the loop is, so a hung-up descriptor cannot spin
 * meanwhile.
 *
 * <p>Single-threaded (see {@link VertxPoller}).
 */
final class VertxEpollPoller extends VertxPoller {

    private static final EpollIoOps IN = EpollIoOps.EPOLLIN;
    private static final EpollIoOps OUT = EpollIoOps.EPOLLOUT;
    private static final EpollIoOps IN_OUT = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT);
    private static final EpollIoOps ERRORS_ONLY = EpollIoOps.EPOLLERR;

    /** Descriptors registered by this loop (Netty keys its epoll registrations by number). */
    private final BitSet registeredFds = new BitSet();

    VertxEpollPoller(String backendName, VertxAccess access, Vertx owned, long tickNanos) {
        super(backendName, access, owned, tickNanos, new DescriptorSocketOps(backendName));
    }

    // ---------------------------------------------------------------- registration

    @Override
    VertxHandle newHandle(CorePoll poll, Object raw) {
        return new EpollDescriptorHandle(this, poll, (FileDescriptor) raw);
    }

    @Override
    void submit(VertxHandle h) {
        int wanted = EpollEvents.effectiveInterest(h.poll.kind, h.interest);
        if (wanted == h.submitted && h.registration != null) {
            return;
        }
        if (h.registration == null) {
            // Parked earlier: registered again now that the loop is handed to the event loop.
            Future<IoRegistration> f = eventLoop.register(h);
            if (!f.isSuccess()) {
                throw new UncheckedIOException(new IOException("registering " + h + " again failed", f.cause()));
            }
            h.registration = f.getNow();
        }
        h.submitted = wanted;
        h.registration.submit(wanted == CorePoll.READABLE ? IN : wanted == CorePoll.WRITABLE ? OUT
                : wanted == 0 ? ERRORS_ONLY : IN_OUT);
    }

    @Override
    void withdrawInterest(VertxHandle h) {
        IoRegistration r = h.registration;
        if (r != null) {
            h.registration = null;
            r.cancel();
        }
    }

    @Override
    void flushCancelledRegistrations() {
        // epoll_ctl(DEL) takes effect at once and close() releases the descriptor: nothing waits for a select.
    }

    @Override
    void registered(VertxHandle h) {
        registeredFds.set(((EpollDescriptorHandle) h).fd().intValue());
    }

    @Override
    void released(VertxHandle h) {
        registeredFds.clear(((EpollDescriptorHandle) h).fd().intValue());
    }

    @Override
    public boolean isRegistered(Object raw) {
        return registeredFds.get(((FileDescriptor) raw).intValue());
    }
}
