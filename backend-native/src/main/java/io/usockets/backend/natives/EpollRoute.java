package io.usockets.backend.natives;

import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;

/**
 * How a {@link NativePoller} keeps its epoll set and waits on it: {@link RawEpoll} (our own {@code epoll_wait}, the
 * default) or {@link HandlerEpoll} (Netty's public {@code EpollIoHandler}, the fallback). Interest values are epoll
 * flags (EPOLLIN, EPOLLOUT); ready descriptors go back to {@link NativePoller#ready}.
 *
 * <p>Single-threaded except {@link #wakeup()}.
 */
interface EpollRoute {

    /** {@code raw} or {@code handler}, for logs and the footprint test. */
    String name();

    /** Puts {@code socket} into the epoll set with {@code flags} (0: errors only). */
    void add(FileDescriptor socket, int flags) throws IOException;

    /** Changes the flags of a descriptor already in the set. */
    void modify(FileDescriptor socket, int flags) throws IOException;

    /** Takes a descriptor that is still open out of the set. */
    void remove(FileDescriptor socket);

    /** Waits at most {@code timeoutNanos} (negative: no limit, 0: not at all) and reports every ready descriptor. */
    void poll(long timeoutNanos) throws IOException;

    /** Thread-safe: makes a blocked or the next {@link #poll} return promptly. */
    void wakeup();

    /** Releases the epoll set and the wakeup descriptor. */
    void close();
}
