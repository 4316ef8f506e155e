package io.usockets.core.spi;

import io.usockets.ListenOptions;
import io.usockets.NativeHandle;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * What can be done with a descriptor or channel, whatever watches it: µSockets' {@code bsd.c}. There are two
 * implementations, one over raw descriptors (Netty's {@code unix.Socket}: the native and vertx-epoll backends) and one
 * over JDK channels (the nio and vertx backends). Each call takes the raw object: the one returned by
 * {@link #listen}, {@link #accept}, {@link #connect} or {@link #rawOf}, or {@link Eventing#raw} of a registered poll.
 *
 * <p>One instance per loop (it may hold scratch buffers and per-descriptor state such as TCP_CORK); single-threaded.
 */
public interface SocketOps {

    /** Opens a listening socket on a TCP or unix address (SO_REUSEPORT unless exclusive). */
    Object listen(SocketAddress address, ListenOptions options) throws IOException;

    /** Accepts one pending connection (non-blocking, TCP_NODELAY on TCP), or null if none is pending. */
    Object accept(Object listen) throws IOException;

    /** Starts a non-blocking connect to {@code remote}, bound first to {@code source} if not null. */
    Object connect(SocketAddress remote, SocketAddress source) throws IOException;

    /** Completes a connect after WRITABLE readiness: true once connected, false if still in progress. */
    boolean finishConnect(Object socket) throws IOException;

    /** Reads into {@code buffer} from its position: the count, 0 if nothing is ready, -1 at end of stream. */
    int read(Object socket, ByteBuffer buffer) throws IOException;

    /** Writes from {@code buffer} what the kernel takes now, advancing its position; {@code msgMore} corks. */
    int write(Object socket, ByteBuffer buffer, boolean msgMore) throws IOException;

    /** Writes {@code header} then {@code payload} in one gathering write, uncorked; returns the total count taken. */
    long write2(Object socket, ByteBuffer header, ByteBuffer payload) throws IOException;

    /** Sends what {@code msgMore} held back. */
    void flush(Object socket) throws IOException;

    /** Sends FIN; a connection the peer already reset is not an error. */
    void shutdownOutput(Object socket) throws IOException;

    /** Stops the read side. */
    void shutdownInput(Object socket) throws IOException;

    /** Closes the descriptor or channel, logging a failure at DEBUG. */
    void close(Object raw);

    /** The local port, or -1 (unix sockets). */
    int localPort(Object raw);

    /** The remote port, or -1 (unix sockets). */
    int remotePort(Object socket);

    /** The remote IP bytes (4 for IPv4 and IPv4-mapped peers, 16 for IPv6), or an empty array for unix sockets. */
    byte[] remoteAddress(Object socket);

    /** The public handle of a raw descriptor or channel. */
    NativeHandle handleOf(Object raw);

    /**
     * The raw object inside a public handle, ready for this loop (a channel is made non-blocking); throws
     * IllegalArgumentException if the handle is not of this kind or not open.
     */
    Object rawOf(NativeHandle handle) throws IOException;
}
