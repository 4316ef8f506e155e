/** The nio poll backend: java.nio Selector and channels. */
module io.usockets.backend.nio {
    requires io.usockets.core;

    // The channel operations are reused by the vertx backend, which runs them on Netty's NIO selector.
    exports io.usockets.backend.nio.channels to io.usockets.backend.vertx;

    provides io.usockets.core.spi.Backend with io.usockets.backend.nio.NioBackend;
}
