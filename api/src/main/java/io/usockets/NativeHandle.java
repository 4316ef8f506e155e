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
    private final Object tls;

    private NativeHandle(int fd, SelectableChannel channel, Object tls) {
        this.fd = fd;
        this.channel = channel;
        this.tls = tls;
    }

    /**
     * A handle for a raw descriptor (native backends).
     *
     * @param fd the descriptor, 0 or more
     * @return the handle
     */
    public static NativeHandle ofDescriptor(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("descriptor " + fd + " is negative; expected 0 or more");
        }
        return new NativeHandle(fd, null, null);
    }

    /**
     * A handle for a java.nio channel (nio-based backends).
     *
     * @param channel the channel
     * @return the handle
     */
    public static NativeHandle ofChannel(SelectableChannel channel) {
        return new NativeHandle(-1, Objects.requireNonNull(channel, "channel"), null);
    }

    /**
     * The descriptor, or -1 when this handle holds a channel.
     *
     * @return the descriptor, or -1
     */
    public int descriptor() {
        return fd;
    }

    /**
     * The channel, or null when this handle holds a descriptor.
     *
     * @return the channel, or null
     */
    public SelectableChannel channel() {
        return channel;
    }

    /**
     * A copy of this handle that also carries a TLS socket's TLS object (its transport stays adoptable).
     *
     * @param tlsObject the TLS object
     * @return the new handle
     */
    public NativeHandle withTls(Object tlsObject) {
        return new NativeHandle(fd, channel, Objects.requireNonNull(tlsObject, "tlsObject"));
    }

    /**
     * The TLS object of a TLS socket, or null: with usockets-ssl, the address of the BoringSSL {@code SSL} as a
     * {@code Long}, valid while the socket is open.
     *
     * @return the TLS object, or null
     */
    public Object tls() {
        return tls;
    }

    /**
     * Whether this handle holds a channel rather than a descriptor.
     *
     * @return true for a channel, false for a descriptor
     */
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
        String transport = channel != null ? channel.toString() : "fd=" + fd;
        return "NativeHandle[" + transport + (tls != null ? ", tls" : "") + "]";
    }
}
