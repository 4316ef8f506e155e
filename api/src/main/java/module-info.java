/** The public usockets-java API: the Java counterpart of µSockets' libusockets.h. */
module io.usockets {
    exports io.usockets;
    exports io.usockets.internal to io.usockets.core;

    uses io.usockets.internal.LoopFactory;
}
