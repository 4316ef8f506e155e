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

    /**
     * Opens a listening socket on a TCP or unix address (SO_REUSEPORT unless exclusive).
     *
     * @param address a TCP or unix address
     * @param options exclusive port and backlog
     * @return the raw listening descriptor or channel
     * @throws IOException when it cannot be bound
     */
    Object listen(SocketAddress address, ListenOptions options) throws IOException;

    /**
     * Accepts one pending connection (non-blocking, TCP_NODELAY on TCP), or null if none is pending.
     *
     * @param listen the raw listening socket
     * @return the raw accepted socket, or null
     * @throws IOException when the kernel refuses
     */
    Object accept(Object listen) throws IOException;

    /**
     * Starts a non-blocking connect to {@code remote}, bound first to {@code source} if not null.
     *
     * @param remote where to connect
     * @param source the local address to bind first, or null
     * @return the raw connecting socket
     * @throws IOException when the kernel refuses
     */
    Object connect(SocketAddress remote, SocketAddress source) throws IOException;

    /**
     * Completes a connect after WRITABLE readiness: true once connected, false if still in progress.
     *
     * @param socket the raw connecting socket
     * @return true once connected
     * @throws IOException when the connect failed
     */
    boolean finishConnect(Object socket) throws IOException;

    /**
     * Reads into {@code buffer} from its position: the count, 0 if nothing is ready, -1 at end of stream.
     *
     * @param socket the raw socket
     * @param buffer where the bytes go, from its position
     * @return the count, 0 or -1
     * @throws IOException when the kernel refuses
     */
    int read(Object socket, ByteBuffer buffer) throws IOException;

    /**
     * Writes from {@code buffer} what the kernel takes now, advancing its position; {@code msgMore} corks.
     *
     * @param socket  the raw socket
     * @param buffer  the bytes from its position to its limit
     * @param msgMore whether to cork
     * @return the count taken
     * @throws IOException when the kernel refuses
     */
    int write(Object socket, ByteBuffer buffer, boolean msgMore) throws IOException;

    /**
     * Writes {@code header} then {@code payload} in one gathering write, uncorked; returns the total count taken.
     *
     * @param socket  the raw socket
     * @param header  the first bytes
     * @param payload the bytes after them
     * @return the count taken of both
     * @throws IOException when the kernel refuses
     */
    long write2(Object socket, ByteBuffer header, ByteBuffer payload) throws IOException;

    /**
     * Sends what {@code msgMore} held back.
     *
     * @param socket the raw socket
     * @throws IOException when the kernel refuses
     */
    void flush(Object socket) throws IOException;

    /**
     * Sends FIN; a connection the peer already reset is not an error.
     *
     * @param socket the raw socket
     * @throws IOException when the kernel refuses
     */
    void shutdownOutput(Object socket) throws IOException;

    /**
     * Stops the read side.
     *
     * @param socket the raw socket
     * @throws IOException when the kernel refuses
     */
    void shutdownInput(Object socket) throws IOException;

    /**
     * Closes the descriptor or channel, logging a failure at DEBUG.
     *
     * @param raw the raw descriptor or channel
     */
    void close(Object raw);

    /**
     * The local port, or -1 (unix sockets).
     *
     * @param raw the raw descriptor or channel
     * @return the port, or -1
     */
    int localPort(Object raw);

    /**
     * The remote port, or -1 (unix sockets).
     *
     * @param socket the raw socket
     * @return the port, or -1
     */
    int remotePort(Object socket);

    /**
     * The remote IP bytes (4 for IPv4 and IPv4-mapped peers, 16 for IPv6), or an empty array for unix sockets.
     *
     * @param socket the raw socket
     * @return the address bytes
     */
    byte[] remoteAddress(Object socket);

    /**
     * The public handle of a raw descriptor or channel.
     *
     * @param raw the raw descriptor or channel
     * @return the handle
     */
    NativeHandle handleOf(Object raw);

    /**
     * The raw object inside a public handle, ready for this loop (a channel is made non-blocking); throws
     * IllegalArgumentException if the handle is not of this kind or not open.
     *
     * @param handle a handle of this kind
     * @return the raw descriptor or channel
     * @throws IOException when the channel cannot be made non-blocking
     */
    Object rawOf(NativeHandle handle) throws IOException;

    /**
     * The datagram operations that go with these socket operations (one instance per loop), for UDP sockets.
     *
     * @return the datagram operations
     * @throws UnsupportedOperationException if these operations have none
     */
    default DatagramOps datagramOps() {
        throw new UnsupportedOperationException(getClass().getName() + " has no datagram operations");
    }
}
