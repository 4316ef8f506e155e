package io.usockets.backend.natives;

import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.usockets.core.spi.BlockingEventing;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * One loop's epoll eventing. Netty's epoll library is only the JNI binding: descriptors stay plain {@code int}s
 * inside Netty's {@link Socket} objects, and no Netty channel, pipeline, buffer or event loop is involved. The socket
 * operations are {@link DescriptorSocketOps}.
 *
 * <p>Layout: one epoll set per loop, level-triggered (no EPOLLET), so a socket whose readiness was not consumed
 * is reported again, as with NIO. How the set is kept and waited on is an {@link EpollRoute}: {@link RawEpoll}, our
 * own {@code epoll_wait} into a preallocated event array, or the fallback {@link HandlerEpoll} on Netty's public
 * {@code EpollIoHandler}. Each ready descriptor indexes {@link #polls}, an array of polls, and {@link #state}, one
 * byte per descriptor holding the interest given to the kernel and whether the descriptor is in the epoll set yet. A
 * poll's {@code io} is its Netty {@link Socket} ({@link UnixSocket} for unix sockets; a
 * plain {@link FileDescriptor} for a user poll on a pipe, eventfd or timerfd).
 *
 * <p>Events carry the descriptor number, not the poll (Netty's {@code epollCtlAdd} stores the number), and a callback
 * may close a descriptor whose event is still further down the batch and then get the same number for a new socket,
 * pipe or accepted connection. A poll registered during a batch is therefore marked FRESH and ignores the rest of
 * that batch: its own readiness is reported again by the next wait, since the set is level-triggered.
 *
 * <p>A poll joins the epoll set with its first interest (one {@code epoll_ctl} per new socket, not two). Events map to
 * the core's as {@link EpollEvents} says. Wakeups write to an eventfd in the epoll set.
 *
 * <p>Single-threaded except {@link #wakeup()}.
 */
final class NativePoller extends BlockingEventing {

    /** {@link #state} bits: the interest in the kernel (CorePoll READABLE/WRITABLE), in the set. */
    private static final int INTEREST = EpollEvents.INTEREST;
    private static final int ADDED = 4;
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

    /** The socket operations (the same class as vertx-epoll's) and their scratch buffers. */
    private final DescriptorSocketOps ops = new DescriptorSocketOps("native");


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

    @Override
    public DescriptorSocketOps ops() {
        return ops;
    }

    // ---------------------------------------------------------------- polling

    @Override
    protected void waitAndDispatch(long timeoutNanos) throws IOException {
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

    /** Called by the route for each ready descriptor with its epoll mask (mapped as {@link EpollEvents} says). */
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
        int ready = EpollEvents.readyEvents(mask, bits & INTEREST);
        if (ready != 0) {
            poll.onReady(ready & INTEREST, (ready & EpollEvents.ERROR) != 0);
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
                    ops.close(poll.io);
                }
            }
        }
        route.close();
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
        int wanted = EpollEvents.effectiveInterest(poll.kind, events);
        int current = state[fd];
        if ((current & ADDED) != 0 && (current & INTEREST) == wanted) {
            return;
        }
        int flags = EpollEvents.epollFlags(wanted);
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
            ops.close(socket);
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
    public void transfer(CorePoll from, CorePoll to) {
        FileDescriptor socket = (FileDescriptor) from.io;
        polls[socket.intValue()] = to;
        to.io = socket;
        from.io = null;
    }

    // ---------------------------------------------------------------- raw descriptors

    @Override
    public Object raw(CorePoll poll) {
        return poll.io;
    }

    @Override
    public boolean isRegistered(Object raw) {
        int fd = ((FileDescriptor) raw).intValue();
        return fd < polls.length && polls[fd] != null;
    }
}
