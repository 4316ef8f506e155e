/**
 * The Vert.x poll backends: us_* polls registered on the Netty event loop behind a Vert.x context, {@code vertx}
 * (java.nio channels, reusing backend-nio's channel operations) and {@code vertx-epoll} (raw descriptors, reusing
 * backend-native's descriptor operations). Uses the internal Vert.x API in one class only (VertxAccess).
 */
module io.usockets.backend.vertx {
    requires io.usockets.core;
    requires io.usockets.backend.nio;
    requires io.usockets.backend.natives;
    requires io.vertx.core;
    requires io.netty.transport;
    requires io.netty.common;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;

    provides io.usockets.core.spi.Backend with io.usockets.backend.vertx.VertxBackend,
            io.usockets.backend.vertx.VertxEpollBackend;
}
