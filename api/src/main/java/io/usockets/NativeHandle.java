package io.usockets;

import java.nio.channels.SelectableChannel;
import java.util.Objects;

/**
 * An opaque handle for what a backend's socket is made of: an {@code int} descriptor on the native and
 * vertx-epoll backends, a {@link SelectableChannel} on the nio and vertx backends.
 *
 * <p>Used where µSockets passes a {@code LIBUS_SOCKET_DESCRIPTOR}: {@link Poll#init}, {@link
 * SocketContext#adoptAccepted}, {@link SocketContext#onPreOpen} and the native handles of sockets.
 * A handle is only meaningful to loops of the backend that made it.
 */
public final class NativeHandle {

    private final int fd;
    private final SelectableChannel channel;

    private NativeHandle(int fd, SelectableChannel channel) {
        this.fd = fd;
        this.channel = channel;
    }

    /** A handle for a raw descriptor (native backends). */
    public static NativeHandle ofDescriptor(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("descriptor " + fd + " is negative; expected 0 or more");
        }
        return new NativeHandle(fd, null);
    }

    /** A handle for a java.nio channel (nio-based backends). */
    public static NativeHandle ofChannel(SelectableChannel channel) {
        return new NativeHandle(-1, Objects.requireNonNull(channel, "channel"));
    }

    /** The descriptor, or -1 when this handle holds a channel. */
    public int descriptor() {
        return fd;
    }

    /** The channel, or null when this handle holds a descriptor. */
    public SelectableChannel channel() {
        return channel;
    }

    /** Whether this handle holds a channel rather than a descriptor. */
    public boolean isChannel() {
        return channel != null;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NativeHandle h && h.fd == fd && h.channel == channel;
    }

    @Override
    public int hashCode() {
        return channel != null ? System.identityHashCode(channel) : fd;
    }

    @Override
    public String toString() {
        return channel != null ? "NativeHandle[" + channel + "]" : "NativeHandle[fd=" + fd + "]";
    }
}
