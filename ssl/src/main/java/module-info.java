/** TLS socket contexts for usockets-java: µSockets' openssl.c on netty-tcnative (BoringSSL) memory BIOs. */
module io.usockets.ssl {
    requires io.usockets.core;
    requires io.netty.tcnative.classes.openssl;
    requires io.netty.common;

    exports io.usockets.ssl;

    provides io.usockets.core.spi.TlsSupport with io.usockets.ssl.TcnativeTlsSupport;
}
