package io.usockets;

/**
 * Options of {@link Loop#createUdpSocket}: whether the port is exclusive (the default) or shared with SO_REUSEPORT.
 *
 * <p>µSockets sets SO_REUSEADDR on every UDP socket, which on Linux lets a second socket bind a busy UDP port and
 * silently steal part of its datagrams. Here a plain bind is exclusive: binding a busy port fails with a clear
 * error. {@link #REUSE_PORT} lets several sockets (one per loop, on several threads) share a port on purpose; the
 * kernel spreads the datagrams among them by the peer's address.
 *
 * @param reusePort true to set SO_REUSEPORT, so sockets that all set it share the port
 */
public record UdpOptions(boolean reusePort) {

    /** The default: the port is not shared, and binding a busy port fails. */
    public static final UdpOptions DEFAULT = new UdpOptions(false);

    /** SO_REUSEPORT: sockets that all ask for it share the port. */
    public static final UdpOptions REUSE_PORT = new UdpOptions(true);
}
