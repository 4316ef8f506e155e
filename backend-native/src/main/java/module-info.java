/**
 * The native poll backend: Linux epoll through Netty's epoll JNI library, used as a binding only.
 *
 * <p>On the module path the JVM needs {@code --add-modules io.netty.transport.epoll.linux.x86_64} (Netty's native
 * library), and the raw epoll_wait needs {@code --add-opens
 * io.netty.transport.classes.epoll/io.netty.channel.epoll=io.usockets.backend.natives}; without the latter each loop
 * runs on Netty's EpollIoHandler instead, with a logged warning naming that line, and UDP sends and receives one
 * datagram per call instead of with recvmmsg/sendmmsg (the same line opens those too).
 *
 * <p>The {@code io_uring} backend (chosen by name only) lives here too, on Netty's io_uring transport; on the module
 * path it needs {@code --add-modules io.netty.transport.io_uring.linux.x86_64}, and {@code --add-opens
 * io.netty.transport.classes.io_uring/io.netty.channel.uring=io.usockets.backend.natives} to submit cancellations at
 * once when a socket closes (without it, logged, they go with the next wait).
 */
module io.usockets.backend.natives {
    requires io.usockets.core;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.transport.unix.common;
    requires io.netty.transport;
    requires io.netty.common;

    // DescriptorOps (the socket operations on descriptors) is reused by the vertx-epoll backend.
    exports io.usockets.backend.natives to io.usockets.backend.vertx;

    provides io.usockets.core.spi.Backend with io.usockets.backend.natives.NativeBackend,
            io.usockets.backend.natives.UringBackend;
}
