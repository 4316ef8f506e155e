package io.usockets.backend.natives;

import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.usockets.ListenOptions;
import io.usockets.NativeHandle;
import io.usockets.core.spi.CorePoll;
import io.usockets.core.spi.Poller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One loop's epoll poller. Netty's epoll library is only the JNI binding: descriptors stay plain {@code int}s
 * inside Netty's {@link Socket} objects, and no Netty channel, pipeline, buffer or event loop is involved.
 *
 * <p>Layout: one epoll set per loop, level-triggered (no EPOLLET), so a socket whose readiness was not consumed
 * is reported again, as with NIO. How the set is kept and waited on is an {@link EpollRoute}: {@link RawEpoll}, our
 * own {@code epoll_wait} into a preallocated event array, or the fallback {@link HandlerEpoll} on Netty's public
 * {@code EpollIoHandler}. Each ready descriptor indexes {@link #polls}, an array of polls, and {@link #state}, one
 * byte per descriptor holding the interest given to the kernel, whether the descriptor is in the epoll set yet, and
 * whether TCP_CORK is on. A poll's {@code io} is its Netty {@link Socket} ({@link UnixSocket} for unix sockets; a
 * plain {@link FileDescriptor} for a user poll on a pipe, eventfd or timerfd).
 *
 * <p>Events carry the descriptor number, not the poll (Netty's {@code epollCtlAdd} stores the number), and a callback
 * may close a descriptor whose event is still further down the batch and then get the same number for a new socket,
 * pipe or accepted connection. A poll registered during a batch is therefore marked FRESH and ignores the rest of
 * that batch: its own readiness is reported again by the next wait, since the set is level-triggered.
 *
 * <p>A poll joins the epoll set with its first interest (one {@code epoll_ctl} per new socket, not two).
 * EPOLLERR and EPOLLHUP are reported as readiness for whatever the poll is interested in, so the core meets the
 * error on its read, write or connect completion; with no interest at all they are reported as an error alone,
 * which closes a socket instead of spinning on a level-triggered error.
 *
 * <p>Reads and writes pass memory addresses ({@link DescriptorOps}, shared with the vertx-epoll backend): the loop's
 * receive buffer and the application's direct buffers go to the kernel as they are; heap buffers are copied through
 * one 64 KiB direct scratch buffer per poller, a chunk per call. {@code write2} is one {@code writev} from a two-entry iovec array in direct memory. {@code msgMore} turns
 * TCP_CORK on; the next write without it, {@code write2} or {@code flush} turns it off, which sends what was held.
 * Every TCP socket has TCP_NODELAY. Wakeups write to an eventfd in the epoll set.
 *
 * <p>Single-threaded except {@link #wakeup()}.
 */
final class NativePoller implements Poller {

    private static final int EPOLLIN = Native.EPOLLIN;
    private static final int EPOLLOUT = Native.EPOLLOUT;
    private static final int EPOLLERR = Native.EPOLLERR;
    /** Linux ABI value; Netty does not export it. */
    private static final int EPOLLHUP = 0x010;


    /** {@link #state} bits: the interest in the kernel (CorePoll READABLE/WRITABLE), in the set, corked. */
    private static final int INTEREST = CorePoll.READABLE | CorePoll.WRITABLE;
    private static final int ADDED = 4;
    private static final int CORKED = 8;
    /** Registered while this batch of events is dispatched: any event for the number in this batch is stale. */
    private static final int FRESH = 16;


    private static final System.Logger LOG = System.getLogger("io.usockets");
    private static volatile boolean fallbackLogged;

    private final EpollRoute route;

    /** Descriptor → poll; null for descriptors not registered here. */
    private CorePoll[] polls = new CorePoll[1024];
    /** Descriptor → ADDED, CORKED and kernel interest bits. */
    private byte[] state = new byte[1024];
    /** True while a batch of events is being waited for and dispatched. */
    private boolean dispatching;
    /** Descriptors registered during this batch (marked FRESH until it ends). */
    private int[] fresh = new int[64];
    private int freshCount;

    /** The socket operations (shared with vertx-epoll) and their scratch buffers. */
    private final DescriptorOps ops = new DescriptorOps();


    /**
     * Opens the poller on the raw route, or on the fallback route when the raw one is out of reach (logged once with
     * the reason) or when {@code route} is {@code "handler"}.
     */
    NativePoller(String route) throws IOException {
        EpollRoute chosen = null;
        if (!"handler".equals(route)) {
            try {
                chosen = new RawEpoll(this);
            } catch (IllegalStateException | IOException e) {
                if (!fallbackLogged) {
                    fallbackLogged = true;
                    LOG.log(System.Logger.Level.WARNING, "native backend: the raw epoll route is not available ("
                            + e.getMessage() + "); using Netty's EpollIoHandler instead, which costs more memory per "
                            + "socket and some allocation per event");
                }
            }
        }
        this.route = chosen != null ? chosen : new HandlerEpoll(this);
    }

    /** The route in use: {@code raw} or {@code handler}. */
    String route() {
        return route.name();
    }

    @Override
    public String backendName() {
        return "native";
    }

    // ---------------------------------------------------------------- polling

    @Override
    public void poll(long timeoutNanos) throws IOException {
        dispatching = true;
        try {
            route.poll(timeoutNanos);
        } finally {
            dispatching = false;
            for (int i = 0; i < freshCount; i++) {
                int fd = fresh[i];
                state[fd] &= ~FRESH;
            }
            freshCount = 0;
        }
    }

    /**
     * Called by the route for each ready descriptor with its epoll mask. EPOLLERR and EPOLLHUP become readiness for
     * whatever the poll is interested in, so the core meets the error on its read, write or connect completion; with
     * no interest at all they are reported as an error alone, which closes a socket instead of spinning on a
     * level-triggered error.
     */
    void ready(int fd, int mask) {
        CorePoll poll = fd < polls.length ? polls[fd] : null;
        if (poll == null) {
            // Closed by an earlier callback of this batch.
            return;
        }
        int bits = state[fd];
        if ((bits & FRESH) != 0) {
            // The number was closed and reused by a callback of this batch: the event was the old descriptor's.
            return;
        }
        int interest = bits & INTEREST;
        int readyEvents = 0;
        if ((mask & EPOLLIN) != 0) {
            readyEvents = CorePoll.READABLE;
        }
        if ((mask & EPOLLOUT) != 0) {
            readyEvents |= CorePoll.WRITABLE;
        }
        boolean error = (mask & (EPOLLERR | EPOLLHUP)) != 0;
        if (error) {
            readyEvents |= interest;
        }
        readyEvents &= interest;
        if (readyEvents != 0 || error) {
            poll.onReady(readyEvents, error);
        }
    }

    @Override
    public void wakeup() {
        route.wakeup();
    }

    @Override
    public void close() {
        for (int fd = 0; fd < polls.length; fd++) {
            CorePoll poll = polls[fd];
            if (poll != null) {
                unregister(poll, (FileDescriptor) poll.io);
                if (poll.kind != CorePoll.KIND_CALLBACK) {
                    closeRaw(poll.io);
                }
            }
        }
        route.close();
    }

    static void closeQuietly(FileDescriptor fd) {
        DescriptorOps.closeQuietly(fd);
    }

    // ---------------------------------------------------------------- registration

    @Override
    public void register(CorePoll poll, Object raw) {
        FileDescriptor socket = (FileDescriptor) raw;
        int fd = socket.intValue();
        if (fd >= polls.length) {
            int length = Math.max(polls.length * 2, Integer.highestOneBit(fd) * 2);
            polls = Arrays.copyOf(polls, length);
            state = Arrays.copyOf(state, length);
        }
        if (polls[fd] != null) {
            throw new IllegalStateException("descriptor " + fd + " is already registered with this loop");
        }
        polls[fd] = poll;
        if (dispatching) {
            state[fd] = FRESH;
            if (freshCount == fresh.length) {
                fresh = Arrays.copyOf(fresh, freshCount * 2);
            }
            fresh[freshCount++] = fd;
        } else {
            state[fd] = 0;
        }
        poll.io = socket;
    }

    @Override
    public void setInterest(CorePoll poll, int events) {
        int fd = ((FileDescriptor) poll.io).intValue();
        int wanted = switch (poll.kind) {
            case CorePoll.KIND_LISTEN -> events & CorePoll.READABLE;
            case CorePoll.KIND_CONNECTING -> events & CorePoll.WRITABLE;
            default -> events & INTEREST;
        };
        int current = state[fd];
        if ((current & ADDED) != 0 && (current & INTEREST) == wanted) {
            return;
        }
        int flags = ((wanted & CorePoll.READABLE) != 0 ? EPOLLIN : 0) | ((wanted & CorePoll.WRITABLE) != 0 ? EPOLLOUT : 0);
        try {
            if ((current & ADDED) != 0) {
                route.modify((FileDescriptor) poll.io, flags);
            } else {
                route.add((FileDescriptor) poll.io, flags);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set the epoll interest of descriptor " + fd, e);
        }
        state[fd] = (byte) ((current & ~INTEREST) | ADDED | wanted);
    }

    /** Takes the poll's descriptor out of the epoll set and the lookup table. */
    private void unregister(CorePoll poll, FileDescriptor socket) {
        int fd = socket.intValue();
        if (fd < polls.length && polls[fd] == poll) {
            if ((state[fd] & ADDED) != 0) {
                route.remove(socket);
            }
            polls[fd] = null;
            state[fd] = 0;
        }
    }

    @Override
    public void close(CorePoll poll) {
        FileDescriptor socket = (FileDescriptor) poll.io;
        if (socket != null) {
            unregister(poll, socket);
            closeRaw(socket);
        }
    }

    @Override
    public void deregister(CorePoll poll) {
        FileDescriptor socket = (FileDescriptor) poll.io;
        if (socket != null) {
            unregister(poll, socket);
        }
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
        return ops.accept((Socket) listen.io);
    }

    @Override
    public Object connect(SocketAddress remote, SocketAddress source) throws IOException {
        return DescriptorOps.connect(remote, source);
    }

    @Override
    public boolean finishConnect(CorePoll socket) throws IOException {
        return ((Socket) socket.io).finishConnect();
    }

    // ---------------------------------------------------------------- reading and writing

    @Override
    public int read(CorePoll poll, ByteBuffer buffer) throws IOException {
        return ops.read((Socket) poll.io, buffer);
    }

    @Override
    public int write(CorePoll poll, ByteBuffer buffer, boolean msgMore) throws IOException {
        Socket socket = (Socket) poll.io;
        int fd = socket.intValue();
        if (msgMore && (state[fd] & CORKED) == 0 && DescriptorOps.corkable(socket)) {
            DescriptorOps.setCork(socket, true);
            state[fd] |= CORKED;
        }
        int n = ops.send(socket, buffer);
        if (!msgMore) {
            uncork(socket, fd);
        }
        return n;
    }

    @Override
    public long write2(CorePoll poll, ByteBuffer header, ByteBuffer payload) throws IOException {
        Socket socket = (Socket) poll.io;
        long n = ops.write2(socket, header, payload);
        uncork(socket, socket.intValue());
        return n;
    }

    private void uncork(Socket socket, int fd) throws IOException {
        if ((state[fd] & CORKED) != 0) {
            state[fd] &= ~CORKED;
            DescriptorOps.setCork(socket, false);
        }
    }

    @Override
    public void flush(CorePoll poll) throws IOException {
        Socket socket = (Socket) poll.io;
        uncork(socket, socket.intValue());
    }

    @Override
    public void shutdownOutput(CorePoll poll) throws IOException {
        DescriptorOps.shutdown((Socket) poll.io, false, true);
    }

    @Override
    public void shutdownInput(CorePoll poll) throws IOException {
        DescriptorOps.shutdown((Socket) poll.io, true, false);
    }

    // ---------------------------------------------------------------- addresses and handles

    @Override
    public int localPort(CorePoll poll) {
        return DescriptorOps.localPort((Socket) poll.io);
    }

    @Override
    public int remotePort(CorePoll poll) {
        return DescriptorOps.remotePort((Socket) poll.io);
    }

    @Override
    public byte[] remoteAddress(CorePoll poll) {
        return DescriptorOps.remoteAddress((Socket) poll.io);
    }

    @Override
    public NativeHandle handle(CorePoll poll) {
        return DescriptorOps.handleOf((FileDescriptor) poll.io);
    }

    @Override
    public NativeHandle handleOfRaw(Object raw) {
        return DescriptorOps.handleOf((FileDescriptor) raw);
    }

    /** Wraps a descriptor (see {@link DescriptorOps#wrap}) that is not registered with this loop yet. */
    @Override
    public Object rawOf(NativeHandle handle) {
        if (!handle.isChannel()) {
            int fd = handle.descriptor();
            if (fd < polls.length && polls[fd] != null) {
                throw new IllegalArgumentException(handle + " is already registered with this loop");
            }
        }
        return DescriptorOps.wrap(handle, "native");
    }
}
