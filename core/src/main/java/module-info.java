/** The shared context layer (µSockets' loop.c, context.c, socket.c) and the backend SPI. */
module io.usockets.core {
    requires transitive io.usockets;
    requires java.logging;

    exports io.usockets.core.spi;
    exports io.usockets.core to io.usockets.ssl;

    uses io.usockets.core.spi.Backend;
    uses io.usockets.core.spi.TlsSupport;

    provides io.usockets.internal.LoopFactory with io.usockets.core.CoreLoopFactory;
}
