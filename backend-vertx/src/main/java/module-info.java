/**
 * The Vert.x poll backends: us_* polls registered on the Netty event loop behind a Vert.x context. Uses the
 * internal Vert.x API in one class only (VertxAccess).
 */
module io.usockets.backend.vertx {
    requires io.usockets.core;
    requires io.usockets.backend.nio;
    requires io.vertx.core;
    requires io.netty.transport;
    requires io.netty.common;

    provides io.usockets.core.spi.Backend with io.usockets.backend.vertx.VertxBackend;
}
