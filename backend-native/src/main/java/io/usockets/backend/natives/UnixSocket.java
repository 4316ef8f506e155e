package io.usockets.backend.natives;

import io.netty.channel.unix.Socket;

/**
 * A unix-domain stream socket: Netty's descriptor object, typed so the poller can tell unix from TCP sockets without
 * a field or a system call (no TCP_NODELAY, TCP_CORK or ports on unix sockets). It adds no state.
 *
 * <p>It also hosts the TCP factory, because Netty keeps its family-specific socket constructors protected.
 */
final class UnixSocket extends Socket {

    UnixSocket(int fd) {
        super(fd);
    }

    /** A new non-blocking, close-on-exec unix stream socket. */
    static UnixSocket open() {
        return new UnixSocket(newSocketDomain0());
    }

    /** A new non-blocking, close-on-exec TCP socket; IPv6 sockets are dual-stack. */
    static Socket openTcp(boolean ipv6) {
        return new Socket(newSocketStream0(ipv6));
    }
}
