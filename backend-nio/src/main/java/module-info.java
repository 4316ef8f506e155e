/** The nio poll backend: java.nio Selector and channels. */
module io.usockets.backend.nio {
    requires io.usockets.core;

    provides io.usockets.core.spi.Backend with io.usockets.backend.nio.NioBackend;
}
