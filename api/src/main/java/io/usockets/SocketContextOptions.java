package io.usockets;

/**
 * Options of a socket context: µSockets' {@code us_socket_context_options_t} plus its {@code ssl} flag.
 * A plain context ignores every TLS field. Creating a TLS context needs the {@code io.usockets:usockets-ssl}
 * module on the class path.
 *
 * @param tls             whether sockets of the context speak TLS
 * @param keyFile         PEM private key file (key_file_name), or null
 * @param certFile        PEM certificate chain file (cert_file_name), or null
 * @param passphrase      passphrase of the private key (passphrase), or null
 * @param dhParamsFile    PEM Diffie-Hellman parameters file (dh_params_file_name), or null
 * @param caFile          PEM CA file; setting it turns on peer verification (ca_file_name), or null
 * @param ciphers         OpenSSL cipher list (ssl_ciphers), or null for the library's default
 * @param preferLowMemory free per-socket TLS buffers while idle (ssl_prefer_low_memory_usage)
 */
public record SocketContextOptions(
        boolean tls,
        String keyFile,
        String certFile,
        String passphrase,
        String dhParamsFile,
        String caFile,
        String ciphers,
        boolean preferLowMemory) {

    private static final SocketContextOptions PLAIN =
            new SocketContextOptions(false, null, null, null, null, null, null, false);

    /** Options of a plain TCP or unix-socket context. */
    public static SocketContextOptions plain() {
        return PLAIN;
    }

    /** Options of a TLS context with a certificate chain and its private key, both PEM files. */
    public static SocketContextOptions tls(String certFile, String keyFile) {
        return new SocketContextOptions(true, keyFile, certFile, null, null, null, null, false);
    }

    /** A copy with the key passphrase set. */
    public SocketContextOptions withPassphrase(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, value, dhParamsFile, caFile, ciphers, preferLowMemory);
    }

    /** A copy with the Diffie-Hellman parameters file set. */
    public SocketContextOptions withDhParamsFile(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, value, caFile, ciphers, preferLowMemory);
    }

    /** A copy with the CA file set (turns on peer verification). */
    public SocketContextOptions withCaFile(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, value, ciphers, preferLowMemory);
    }

    /** A copy with the cipher list set. */
    public SocketContextOptions withCiphers(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, caFile, value, preferLowMemory);
    }

    /** A copy with prefer-low-memory set. */
    public SocketContextOptions withPreferLowMemory(boolean value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, caFile, ciphers, value);
    }
}
