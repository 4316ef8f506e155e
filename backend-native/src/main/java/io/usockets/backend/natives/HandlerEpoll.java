package io.usockets.backend.natives;

import io.netty.channel.IoEvent;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.io.IOException;
import java.util.Arrays;

/**
 * The fallback route, on Netty's public API only: an {@link EpollIoHandler} driven by the loop's own thread through
 * {@link IoHandler#run}, each socket an {@link EpollIoHandle} with its {@link IoRegistration}. Used when the raw
 * route is out of reach (see {@link EpollAccess}) or when {@code -Dusockets.native.route=handler} asks for it.
 *
 * <p>Costs against the raw route: a handle object here and a registration object plus a hash-map entry in Netty per
 * socket, a timerfd re-armed when the wait's deadline changes, and an event object allocated by Netty for a ready set
 * it has not cached (IN together with OUT, for instance).
 *
 * <p>Single-threaded except {@link #wakeup()}. Every call into the handler comes from the loop thread, so its
 * executor runs submitted tasks at once and never claims the calling thread as its own (a wakeup from the loop
 * thread is then a cheap no-op while the handler is awake).
 */
final class HandlerEpoll implements EpollRoute, ThreadAwareExecutor, IoHandlerContext {

    /** Interest values as Netty's cached ops objects; "no interest" keeps only EPOLLERR (see {@link #ops}). */
    private static final EpollIoOps IN = EpollIoOps.EPOLLIN;
    private static final EpollIoOps OUT = EpollIoOps.EPOLLOUT;
    private static final EpollIoOps IN_OUT = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT);
    private static final EpollIoOps ERRORS_ONLY = EpollIoOps.EPOLLERR;

    private final NativePoller poller;
    private final IoHandler handler;
    /** Descriptor → this route's handle. */
    private Handle[] handles = new Handle[1024];

    private final Object wakeLock = new Object();
    /** Guarded by {@link #wakeLock}: no eventfd write after close, when the number may belong to someone else. */
    private boolean closed;

    /** The current wait: blocking or not, and its deadline on the System.nanoTime clock (-1: none). */
    private boolean canBlock;
    private long deadlineNanos;

    HandlerEpoll(NativePoller poller) {
        this.poller = poller;
        this.handler = EpollIoHandler.newFactory().newHandler(this);
        handler.initialize();
    }

    @Override
    public String name() {
        return "handler";
    }

    /** One socket as Netty sees it. */
    private final class Handle implements EpollIoHandle {
        final FileDescriptor socket;
        IoRegistration registration;

        Handle(FileDescriptor socket) {
            this.socket = socket;
        }

        @Override
        public FileDescriptor fd() {
            return socket;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            poller.ready(socket.intValue(), ((EpollIoEvent) event).ops().value());
        }

        @Override
        public void close() {
            // The poller closes its descriptors itself.
        }
    }

    /**
     * Netty's registration deletes the descriptor from the set when given no interest but then fails the next
     * change with ENOENT, so "no interest" is EPOLLERR alone: the kernel reports errors whatever is asked.
     */
    private static EpollIoOps ops(int flags) {
        boolean in = (flags & Native.EPOLLIN) != 0;
        boolean out = (flags & Native.EPOLLOUT) != 0;
        return in ? (out ? IN_OUT : IN) : (out ? OUT : ERRORS_ONLY);
    }

    @Override
    public void add(FileDescriptor socket, int flags) throws IOException {
        int fd = socket.intValue();
        if (fd >= handles.length) {
            handles = Arrays.copyOf(handles, Math.max(handles.length * 2, Integer.highestOneBit(fd) * 2));
        }
        Handle handle = new Handle(socket);
        try {
            handle.registration = handler.register(handle);
        } catch (Exception e) {
            throw new IOException("Netty's EpollIoHandler refused descriptor " + fd, e);
        }
        try {
            submit(handle, flags);
        } catch (IOException | RuntimeException e) {
            handle.registration.cancel();
            throw e;
        }
        handles[fd] = handle;
    }

    @Override
    public void modify(FileDescriptor socket, int flags) throws IOException {
        submit(handles[socket.intValue()], flags);
    }

    private static void submit(Handle handle, int flags) throws IOException {
        try {
            handle.registration.submit(ops(flags));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void remove(FileDescriptor socket) {
        int fd = socket.intValue();
        Handle handle = fd < handles.length ? handles[fd] : null;
        if (handle != null && handle.socket == socket) {
            handles[fd] = null;
            handle.registration.cancel();
        }
    }

    @Override
    public void poll(long timeoutNanos) {
        canBlock = timeoutNanos != 0;
        deadlineNanos = timeoutNanos < 0 ? -1 : System.nanoTime() + timeoutNanos;
        handler.run(this);
    }

    @Override
    public void wakeup() {
        synchronized (wakeLock) {
            if (!closed) {
                handler.wakeup();
            }
        }
    }

    @Override
    public void close() {
        handler.prepareToDestroy();
        synchronized (wakeLock) {
            closed = true;
            handler.destroy();
        }
    }

    // ---------------------------------------------------------------- IoHandlerContext: the current wait

    @Override
    public boolean canBlock() {
        return canBlock;
    }

    @Override
    public long delayNanos(long currentTimeNanos) {
        return deadlineNanos < 0 ? Long.MAX_VALUE : Math.max(0, deadlineNanos - currentTimeNanos);
    }

    @Override
    public long deadlineNanos() {
        return deadlineNanos;
    }

    // ---------------------------------------------------------------- ThreadAwareExecutor: the loop thread itself

    @Override
    public boolean isExecutorThread(Thread thread) {
        return false;
    }

    @Override
    public void execute(Runnable task) {
        task.run();
    }
}
