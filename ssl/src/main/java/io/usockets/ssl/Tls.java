package io.usockets.ssl;

import io.usockets.Loop;
import io.usockets.Socket;

/**
 * TLS details beyond the portable API, for applications and tests that use this module directly: the session and
 * protocol of a socket, the TLS library, and counters of native objects (leak checks) and handshake reads (the
 * handshake budget).
 */
public final class Tls {

    private Tls() {
    }

    /**
     * The TLS library's name and version, e.g. "BoringSSL"; throws IllegalStateException if it cannot load.
     *
     * @return the name and version
     */
    public static String libraryVersion() {
        return Tcnative.versionString();
    }

    /**
     * Whether an open TLS socket's session was resumed from a ticket or the session cache; false otherwise.
     *
     * @param socket a socket
     * @return true for a resumed session
     */
    public static boolean sessionReused(Socket<?> socket) {
        return socket instanceof TlsSocket t && t.sessionReused();
    }

    /**
     * The protocol version an open TLS socket negotiated ("TLSv1.2", "TLSv1.3"), or null.
     *
     * @param socket a socket
     * @return the protocol version, or null
     */
    public static String protocol(Socket<?> socket) {
        return socket instanceof TlsSocket t ? t.protocol() : null;
    }

    /**
     * Native SSL objects alive in this JVM (one per TLS socket between TCP open and close).
     *
     * @return the count
     */
    public static long liveSslObjects() {
        return Tcnative.liveSsl();
    }

    /**
     * Native SSL contexts alive in this JVM (two per root TLS context until the last user frees it).
     *
     * @return the count
     */
    public static long liveSslContexts() {
        return Tcnative.liveContexts();
    }

    /**
     * Parsed certificate chains with their private keys (native objects) alive in this JVM: one per TLS context or
     * SNI entry that has a certificate, until it is freed.
     *
     * @return the count
     */
    public static long liveKeyMaterial() {
        return Tcnative.liveKeyMaterial();
    }

    /**
     * Reads of sockets still handshaking on {@code loop} so far; read on the loop thread.
     *
     * @param loop the loop
     * @return the count
     */
    public static long handshakeReads(Loop loop) {
        TlsEngine engine = TlsEngine.peek(loop);
        return engine == null ? 0 : engine.handshakeReads;
    }
}
