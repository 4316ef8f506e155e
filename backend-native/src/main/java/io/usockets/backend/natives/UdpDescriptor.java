package io.usockets.backend.natives;

import io.netty.channel.unix.Socket;

/** A UDP descriptor in Netty's {@link Socket}, which knows its address family (the batched calls need it). */
final class UdpDescriptor extends Socket {

    private UdpDescriptor(int fd) {
        super(fd);
    }

    /**
     * A new non-blocking, close-on-exec UDP socket; an IPv6 one is dual-stack (IPV6_V6ONLY off).
     *
     * @param ipv6 true for AF_INET6
     * @return the socket
     */
    static UdpDescriptor open(boolean ipv6) {
        return new UdpDescriptor(newSocketDgram0(ipv6));
    }

    /** Whether the socket is AF_INET6. */
    boolean isIpv6() {
        return ipv6;
    }
}
