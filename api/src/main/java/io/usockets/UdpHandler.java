package io.usockets;

import java.io.IOException;

/**
 * The callbacks of a {@link UdpSocket}: µSockets' {@code data_cb} and {@code drain_cb}, plus an error callback that
 * µSockets does not have. Every callback runs on the loop thread. {@link #onData} is the only one a lambda sets; the
 * others have defaults.
 *
 * <p>An exception thrown by a callback is handled as for stream sockets: it is logged (or given to the loop's
 * {@link CallbackErrorHandler}) and the UDP socket is closed.
 *
 * @param <E> type of the socket's user extension
 */
@FunctionalInterface
public interface UdpHandler<E> {

    /**
     * Datagrams arrived: slots 0 to {@code count - 1} of {@code buffer} hold them (data_cb). The slots stay valid until
     * the next receive into that buffer; {@link UdpSocket#send} of the same buffer echoes them to their peers.
     *
     * @param socket the socket they arrived on
     * @param buffer the packet buffer they were read into
     * @param count  how many datagrams, 1 or more
     */
    void onData(UdpSocket<E> socket, UdpPacketBuffer buffer, int count);

    /**
     * The socket can take datagrams again after a {@link UdpSocket#send} stopped short on a full socket buffer
     * (drain_cb, which µSockets stores but never calls). Once per short send. The default does nothing.
     *
     * @param socket the socket
     */
    default void onDrain(UdpSocket<E> socket) {
    }

    /**
     * A datagram could not be sent, or the socket reported an error while receiving. For a send, {@code slot} is the
     * slot that failed (oversized, no route, or on a connected socket an ICMP error such as port unreachable) and the
     * send went on with the next slot; for a receive, {@code slot} is -1 (on a connected socket, typically the ICMP
     * port-unreachable answer to an earlier send: a {@link java.net.PortUnreachableException}). The socket stays
     * open. The default logs the error at DEBUG through {@link System.Logger}.
     *
     * @param socket the socket
     * @param slot   the slot of the failed send, or -1 for a receive
     * @param error  what the kernel said
     */
    default void onError(UdpSocket<E> socket, int slot, IOException error) {
        System.getLogger("io.usockets").log(System.Logger.Level.DEBUG,
                "UDP socket " + socket + (slot < 0 ? " receive" : " send of slot " + slot) + " failed", error);
    }
}
