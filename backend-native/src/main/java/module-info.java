/**
 * The native poll backend: Linux epoll through Netty's epoll JNI library, used as a binding only.
 *
 * <p>On the module path the raw epoll_wait needs {@code --add-opens
 * io.netty.transport.classes.epoll/io.netty.channel.epoll=io.usockets.backend.natives}; without it the backend
 * reports itself unavailable with that line in the reason.
 */
module io.usockets.backend.natives {
    requires io.usockets.core;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;
    requires io.netty.transport;
    requires io.netty.common;

    provides io.usockets.core.spi.Backend with io.usockets.backend.natives.NativeBackend;
}
