package io.usockets.backend.natives;

import io.netty.channel.epoll.Native;
import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The raw route: our own {@code epoll_wait} (through {@link EpollAccess}) into a preallocated array of
 * {@value #MAX_EVENTS} {@code struct epoll_event}s, read with plain {@link ByteBuffer#getInt(int)}: 12 bytes each on
 * x86-64, a 32-bit event mask, then the 64-bit data union whose low 32 bits hold the descriptor, as Netty's
 * {@code epollCtlAdd} stores it. An eventfd in the set carries wakeups. Nothing is allocated per event or per socket.
 *
 * <p>Single-threaded except {@link #wakeup()}.
 */
final class RawEpoll implements EpollRoute {

    /** Events read per epoll_wait. */
    static final int MAX_EVENTS = 1024;

    private static final int EINTR = 4;

    private final NativePoller poller;
    private final FileDescriptor epoll;
    private final int epollFd;
    private final FileDescriptor wake;
    private final int wakeFd;
    private final Object wakeLock = new Object();
    /** Guarded by {@link #wakeLock}: no eventfd write after close, when the number may belong to someone else. */
    private boolean closed;

    private final ByteBuffer events;
    private final long eventsAddress;
    private final int eventSize;
    private final int dataOffset;

    /** Opens the epoll set and checks, with a first non-blocking epoll_wait, that the raw route works here. */
    RawEpoll(NativePoller poller) throws IOException {
        String reason = EpollAccess.unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        this.poller = poller;
        epoll = Native.newEpollCreate();
        FileDescriptor eventFd = null;
        try {
            eventFd = Native.newEventFd();
            Native.epollCtlAdd(epoll.intValue(), eventFd.intValue(), Native.EPOLLIN);
            eventSize = Native.sizeofEpollEvent();
            dataOffset = Native.offsetofEpollData();
            events = ByteBuffer.allocateDirect(MAX_EVENTS * eventSize).order(ByteOrder.nativeOrder());
            eventsAddress = Buffer.memoryAddress(events);
            int ready = EpollAccess.epollWait(epoll.intValue(), eventsAddress, MAX_EVENTS, 0);
            if (ready < 0) {
                throw Errors.newIOException("epoll_wait", ready);
            }
        } catch (IOException | RuntimeException | Error e) {
            DescriptorSocketOps.closeQuietly(eventFd);
            DescriptorSocketOps.closeQuietly(epoll);
            throw e;
        }
        epollFd = epoll.intValue();
        wake = eventFd;
        wakeFd = eventFd.intValue();
    }

    @Override
    public String name() {
        return "raw";
    }

    @Override
    public void add(FileDescriptor socket, int flags) throws IOException {
        Native.epollCtlAdd(epollFd, socket.intValue(), flags);
    }

    @Override
    public void modify(FileDescriptor socket, int flags) throws IOException {
        Native.epollCtlMod(epollFd, socket.intValue(), flags);
    }

    @Override
    public void remove(FileDescriptor socket) {
        try {
            Native.epollCtlDel(epollFd, socket.intValue());
        } catch (IOException e) {
            System.getLogger("io.usockets").log(System.Logger.Level.DEBUG, "epoll_ctl DEL failed", e);
        }
    }

    @Override
    public void poll(long timeoutNanos) throws IOException {
        int timeoutMillis;
        if (timeoutNanos < 0) {
            timeoutMillis = -1;
        } else if (timeoutNanos == 0) {
            timeoutMillis = 0;
        } else {
            // Round up so a sub-millisecond wait does not become a busy loop of zero timeouts.
            timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (timeoutNanos + 999_999) / 1_000_000));
        }
        int ready = EpollAccess.epollWait(epollFd, eventsAddress, MAX_EVENTS, timeoutMillis);
        if (ready < 0) {
            if (ready == -EINTR) {
                return;
            }
            throw Errors.newIOException("epoll_wait", ready);
        }
        ByteBuffer array = events;
        for (int i = 0; i < ready; i++) {
            int offset = i * eventSize;
            int fd = array.getInt(offset + dataOffset);
            if (fd == wakeFd) {
                Native.eventFdRead(wakeFd);
            } else {
                poller.ready(fd, array.getInt(offset));
            }
        }
    }

    @Override
    public void wakeup() {
        synchronized (wakeLock) {
            if (!closed) {
                Native.eventFdWrite(wakeFd, 1L);
            }
        }
    }

    @Override
    public void close() {
        synchronized (wakeLock) {
            closed = true;
            DescriptorSocketOps.closeQuietly(wake);
        }
        DescriptorSocketOps.closeQuietly(epoll);
    }
}
