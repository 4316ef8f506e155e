package io.usockets.backend.vertx;

import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.Future;
import io.usockets.ListenOptions;
import io.usockets.NativeHandle;
import io.usockets.backend.natives.DescriptorOps;
import io.usockets.core.spi.CorePoll;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * The {@code vertx-epoll} backend's poller: polls are raw descriptors registered with Netty's epoll set behind the
 * Vert.x event loop (as {@link EpollDescriptorHandle}s); the socket operations are backend-native's
 * {@link DescriptorOps} (memory-address reads and writes, TCP_CORK for {@code msgMore}, writev for {@code write2}).
 *
 * <p>Interest is level-triggered EPOLLIN/EPOLLOUT, as Netty's cached {@link EpollIoOps} constants. "No interest" is
 * EPOLLERR alone: Netty's registration deletes a descriptor given no interest at all and then fails the next
 * change. EPOLLERR and EPOLLHUP are reported as readiness for whatever the poll is interested in, and as an error
 * alone when it is interested in nothing, which closes a socket instead of spinning (as on the native backend).
 * A handle parked while the loop is not handed to the event loop has its registration cancelled and gets a new
 * one when the loop is, so a hung-up descriptor cannot spin meanwhile.
 *
 * <p>Single-threaded (see {@link VertxPoller}).
 */
final class VertxEpollPoller extends VertxPoller {

    private static final EpollIoOps IN = EpollIoOps.EPOLLIN;
    private static final EpollIoOps OUT = EpollIoOps.EPOLLOUT;
    private static final EpollIoOps IN_OUT = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT);
    private static final EpollIoOps ERRORS_ONLY = EpollIoOps.EPOLLERR;
    private static final int EPOLLIN = Native.EPOLLIN;
    private static final int EPOLLOUT = Native.EPOLLOUT;
    private static final int EPOLLERR = Native.EPOLLERR;
    private static final int EPOLLHUP = 0x010;

    private final DescriptorOps ops = new DescriptorOps();
    /** Descriptors registered by this loop (Netty keys its epoll registrations by number). */
    private final java.util.BitSet registeredFds = new java.util.BitSet();

    VertxEpollPoller(String backendName, VertxAccess access, Vertx owned, long tickNanos) {
        super(backendName, access, owned, tickNanos);
    }

    /** The interest the kernel gets for a poll: a listen socket only reads, a connecting socket only writes. */
    private static int effective(CorePoll poll, int events) {
        return switch (poll.kind) {
            case CorePoll.KIND_LISTEN -> events & CorePoll.READABLE;
            case CorePoll.KIND_CONNECTING -> events & CorePoll.WRITABLE;
            default -> events & (CorePoll.READABLE | CorePoll.WRITABLE);
        };
    }

    /** The core's mask for an epoll event on {@code h} (see the class comment). */
    static int readyEvents(EpollDescriptorHandle h, int epollMask) {
        int interest = effective(h.poll, h.interest);
        int events = 0;
        if ((epollMask & EPOLLIN) != 0) {
            events = CorePoll.READABLE;
        }
        if ((epollMask & EPOLLOUT) != 0) {
            events |= CorePoll.WRITABLE;
        }
        boolean error = (epollMask & (EPOLLERR | EPOLLHUP)) != 0;
        if (error) {
            events |= interest;
        }
        events &= interest;
        return error ? events | VertxHandle.ERROR : events;
    }

    private static Socket socket(CorePoll poll) {
        return (Socket) ((EpollDescriptorHandle) poll.io).fd;
    }

    // ---------------------------------------------------------------- registration

    @Override
    VertxHandle newHandle(CorePoll poll, Object raw) {
        return new EpollDescriptorHandle(this, poll, (FileDescriptor) raw);
    }

    @Override
    void submit(VertxHandle h) {
        int wanted = effective(h.poll, h.interest);
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
    void closeHandle(VertxHandle h) {
        DescriptorOps.closeQuietly(((EpollDescriptorHandle) h).fd);
    }

    @Override
    void flushCancelledRegistrations() {
        // epoll_ctl(DEL) takes effect at once and close() releases the descriptor: nothing waits for a select.
    }

    @Override
    public void closeRaw(Object raw) {
        DescriptorOps.closeQuietly((FileDescriptor) raw);
    }

    // ---------------------------------------------------------------- listen, accept, connect

    @Override
    public Object listen(SocketAddress address, ListenOptions options) throws IOException {
        return DescriptorOps.listen(address, options);
    }

    @Override
    public Object accept(CorePoll listen) throws IOException {
        return ops.accept(socket(listen));
    }

    @Override
    public Object connect(SocketAddress remote, SocketAddress source) throws IOException {
        return DescriptorOps.connect(remote, source);
    }

    @Override
    public boolean finishConnect(CorePoll socket) throws IOException {
        return socket(socket).finishConnect();
    }

    // ---------------------------------------------------------------- reading and writing

    @Override
    public int read(CorePoll socket, ByteBuffer buffer) throws IOException {
        return ops.read(socket(socket), buffer);
    }

    @Override
    public int write(CorePoll poll, ByteBuffer buffer, boolean msgMore) throws IOException {
        EpollDescriptorHandle h = (EpollDescriptorHandle) poll.io;
        Socket socket = (Socket) h.fd;
        if (msgMore && !h.corked && DescriptorOps.corkable(socket)) {
            DescriptorOps.setCork(socket, true);
            h.corked = true;
        }
        int n = ops.send(socket, buffer);
        if (!msgMore) {
            uncork(h);
        }
        return n;
    }

    @Override
    public long write2(CorePoll poll, ByteBuffer header, ByteBuffer payload) throws IOException {
        EpollDescriptorHandle h = (EpollDescriptorHandle) poll.io;
        long n = ops.write2((Socket) h.fd, header, payload);
        uncork(h);
        return n;
    }

    private static void uncork(EpollDescriptorHandle h) throws IOException {
        if (h.corked) {
            h.corked = false;
            DescriptorOps.setCork((Socket) h.fd, false);
        }
    }

    @Override
    public void flush(CorePoll poll) throws IOException {
        uncork((EpollDescriptorHandle) poll.io);
    }

    @Override
    public void shutdownOutput(CorePoll poll) throws IOException {
        DescriptorOps.shutdown(socket(poll), false, true);
    }

    @Override
    public void shutdownInput(CorePoll poll) throws IOException {
        DescriptorOps.shutdown(socket(poll), true, false);
    }

    // ---------------------------------------------------------------- addresses and handles

    @Override
    public int localPort(CorePoll poll) {
        return DescriptorOps.localPort(socket(poll));
    }

    @Override
    public int remotePort(CorePoll poll) {
        return DescriptorOps.remotePort(socket(poll));
    }

    @Override
    public byte[] remoteAddress(CorePoll poll) {
        return DescriptorOps.remoteAddress(socket(poll));
    }

    @Override
    public NativeHandle handle(CorePoll poll) {
        return DescriptorOps.handleOf(((EpollDescriptorHandle) poll.io).fd);
    }

    @Override
    public NativeHandle handleOfRaw(Object raw) {
        return DescriptorOps.handleOf((FileDescriptor) raw);
    }

    @Override
    void registered(VertxHandle h) {
        registeredFds.set(((EpollDescriptorHandle) h).fd.intValue());
    }

    @Override
    void released(VertxHandle h) {
        registeredFds.clear(((EpollDescriptorHandle) h).fd.intValue());
    }

    @Override
    public Object rawOf(NativeHandle handle) {
        if (!handle.isChannel() && registeredFds.get(handle.descriptor())) {
            throw new IllegalArgumentException(handle + " is already registered with this loop");
        }
        return DescriptorOps.wrap(handle, backendName());
    }
}
