package io.usockets;

import java.util.List;

/**
 * Options of a socket context: µSockets' {@code us_socket_context_options_t} plus its {@code ssl} flag, and a few
 * TLS settings beyond µSockets (PEM from memory, ALPN, a handshake timeout). A plain context ignores every TLS
 * field. Creating a TLS context needs the {@code io.usockets:usockets-ssl} module on the class path; a bad option
 * (missing file, wrong passphrase, key not matching the certificate, unknown cipher) makes context creation throw
 * {@link IllegalArgumentException} naming the option.
 *
 * <p>For every PEM input there is a file field and a memory field; when both are set the memory one wins.
 *
 * @param tls                     whether sockets of the context speak TLS
 * @param keyFile                 PEM private key file (key_file_name), or null
 * @param certFile                PEM certificate chain file (cert_file_name), or null
 * @param passphrase              passphrase of the private key (passphrase), or null
 * @param dhParamsFile            PEM Diffie-Hellman parameters file (dh_params_file_name), or null
 * @param caFile                  PEM CA file; setting it turns on peer verification (ca_file_name), or null
 * @param ciphers                 OpenSSL cipher list for TLS 1.2 (ssl_ciphers), or null for
 *                                {@link #DEFAULT_CIPHERS} (AEAD only); {@link #COMPATIBLE_CIPHERS} widens it
 * @param preferLowMemory         free per-socket TLS buffers while idle (ssl_prefer_low_memory_usage)
 * @param keyPem                  the private key as PEM text, or null
 * @param certPem                 the certificate chain as PEM text, or null
 * @param caPem                   the CA certificates as PEM text (turns on peer verification), or null
 * @param alpnProtocols           ALPN protocols offered (client) or accepted in preference order (server); empty
 *                                for none
 * @param handshakeTimeoutSeconds seconds a TLS handshake may take before the socket closes with
 *                                {@link CloseCode#TIMED_OUT}; 0 for no limit
 */
public record SocketContextOptions(
        boolean tls,
        String keyFile,
        String certFile,
        String passphrase,
        String dhParamsFile,
        String caFile,
        String ciphers,
        boolean preferLowMemory,
        String keyPem,
        String certPem,
        String caPem,
        List<String> alpnProtocols,
        int handshakeTimeoutSeconds) {

    /**
     * The TLS 1.2 cipher list used when {@code ciphers} is null: ECDHE key exchange with AES-GCM or
     * ChaCha20-Poly1305 only, the TLS 1.2 part of Mozilla's "intermediate" profile without finite-field DH (which
     * BoringSSL lacks). No CBC suite, so no LUCKY13 exposure; TLS 1.3 suites are all AEAD and always on.
     */
    public static final String DEFAULT_CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
            + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
            + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

    /**
     * A wider TLS 1.2 cipher list for old peers, to pass explicitly with {@link #withCiphers(String)}: the
     * {@link #DEFAULT_CIPHERS} first, then ECDHE with AES-CBC and plain RSA key exchange with AES (GCM, then CBC).
     * The CBC suites are the ones scanners flag (LUCKY13) and RSA key exchange has no forward secrecy; use it only
     * when such clients must connect.
     */
    public static final String COMPATIBLE_CIPHERS = DEFAULT_CIPHERS
            + ":ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA"
            + ":AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";

    /** The handshake timeout of a new TLS options record, in seconds. */
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 10;

    private static final SocketContextOptions PLAIN = new SocketContextOptions(false, null, null, null, null, null,
            null, false, null, null, null, List.of(), DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);

    /**
     * Checks the handshake timeout and copies the ALPN list.
     *
     * @param tls                     whether sockets of the context speak TLS
     * @param keyFile                 PEM private key file, or null
     * @param certFile                PEM certificate chain file, or null
     * @param passphrase              passphrase of the private key, or null
     * @param dhParamsFile            PEM Diffie-Hellman parameters file, or null
     * @param caFile                  PEM CA file (turns on peer verification), or null
     * @param ciphers                 OpenSSL cipher list, or null
     * @param preferLowMemory         free per-socket TLS buffers while idle
     * @param keyPem                  the private key as PEM text, or null
     * @param certPem                 the certificate chain as PEM text, or null
     * @param caPem                   the CA certificates as PEM text, or null
     * @param alpnProtocols           ALPN protocols in preference order; null or empty for none
     * @param handshakeTimeoutSeconds seconds a handshake may take, 0 for no limit
     */
    public SocketContextOptions {
        alpnProtocols = alpnProtocols == null ? List.of() : List.copyOf(alpnProtocols);
        if (handshakeTimeoutSeconds < 0) {
            throw new IllegalArgumentException("handshake timeout " + handshakeTimeoutSeconds
                    + " s is negative; expected 0 (no limit) or more");
        }
    }

    /**
     * Options of a plain TCP or unix-socket context.
     *
     * @return the options
     */
    public static SocketContextOptions plain() {
        return PLAIN;
    }

    /**
     * Options of a TLS context with a certificate chain and its private key, both PEM files.
     *
     * @param certFile the PEM certificate chain file
     * @param keyFile  the PEM private key file
     * @return the options
     */
    public static SocketContextOptions tls(String certFile, String keyFile) {
        return new SocketContextOptions(true, keyFile, certFile, null, null, null, null, false, null, null, null,
                List.of(), DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);
    }

    /**
     * Options of a TLS context with no certificate (a client that presents none); add a CA to verify servers.
     *
     * @return the options
     */
    public static SocketContextOptions tlsClient() {
        return tls(null, null);
    }

    /**
     * Options of a TLS context with a certificate chain and its private key given as PEM text.
     *
     * @param certPem the certificate chain as PEM text
     * @param keyPem  the private key as PEM text
     * @return the options
     */
    public static SocketContextOptions tlsFromPem(String certPem, String keyPem) {
        return new SocketContextOptions(true, null, null, null, null, null, null, false, keyPem, certPem, null,
                List.of(), DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);
    }

    /**
     * A copy with the key passphrase set.
     *
     * @param value the passphrase, or null
     * @return the new options
     */
    public SocketContextOptions withPassphrase(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, value, dhParamsFile, caFile, ciphers, preferLowMemory,
                keyPem, certPem, caPem, alpnProtocols, handshakeTimeoutSeconds);
    }

    /**
     * A copy with the Diffie-Hellman parameters file set.
     *
     * @param value the file, or null
     * @return the new options
     */
    public SocketContextOptions withDhParamsFile(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, value, caFile, ciphers, preferLowMemory,
                keyPem, certPem, caPem, alpnProtocols, handshakeTimeoutSeconds);
    }

    /**
     * A copy with the CA file set (turns on peer verification).
     *
     * @param value the file, or null
     * @return the new options
     */
    public SocketContextOptions withCaFile(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, value, ciphers,
                preferLowMemory, keyPem, certPem, caPem, alpnProtocols, handshakeTimeoutSeconds);
    }

    /**
     * A copy with the CA certificates given as PEM text (turns on peer verification).
     *
     * @param value the PEM text, or null
     * @return the new options
     */
    public SocketContextOptions withCaPem(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, caFile, ciphers,
                preferLowMemory, keyPem, certPem, value, alpnProtocols, handshakeTimeoutSeconds);
    }

    /**
     * A copy with the TLS 1.2 cipher list set, e.g. {@link #COMPATIBLE_CIPHERS} to accept CBC suites.
     *
     * @param value an OpenSSL cipher string, or null for {@link #DEFAULT_CIPHERS}
     * @return the new options
     */
    public SocketContextOptions withCiphers(String value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, caFile, value,
                preferLowMemory, keyPem, certPem, caPem, alpnProtocols, handshakeTimeoutSeconds);
    }

    /**
     * A copy with prefer-low-memory set.
     *
     * @param value whether to free idle buffers
     * @return the new options
     */
    public SocketContextOptions withPreferLowMemory(boolean value) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, caFile, ciphers, value,
                keyPem, certPem, caPem, alpnProtocols, handshakeTimeoutSeconds);
    }

    /**
     * A copy with the ALPN protocols set, most preferred first.
     *
     * @param protocols the protocol names
     * @return the new options
     */
    public SocketContextOptions withAlpnProtocols(String... protocols) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, caFile, ciphers,
                preferLowMemory, keyPem, certPem, caPem, List.of(protocols), handshakeTimeoutSeconds);
    }

    /**
     * A copy with the handshake timeout set, in seconds (0 for no limit).
     *
     * @param seconds 0 or more
     * @return the new options
     */
    public SocketContextOptions withHandshakeTimeout(int seconds) {
        return new SocketContextOptions(tls, keyFile, certFile, passphrase, dhParamsFile, caFile, ciphers,
                preferLowMemory, keyPem, certPem, caPem, alpnProtocols, seconds);
    }

    /** Hides the passphrase and PEM contents. */
    @Override
    public String toString() {
        return "SocketContextOptions[tls=" + tls + ", keyFile=" + keyFile + ", certFile=" + certFile
                + ", passphrase=" + (passphrase == null ? "null" : "***") + ", dhParamsFile=" + dhParamsFile
                + ", caFile=" + caFile + ", ciphers=" + ciphers + ", preferLowMemory=" + preferLowMemory
                + ", keyPem=" + (keyPem == null ? "null" : "***") + ", certPem=" + (certPem == null ? "null" : "(set)")
                + ", caPem=" + (caPem == null ? "null" : "(set)") + ", alpnProtocols=" + alpnProtocols
                + ", handshakeTimeoutSeconds=" + handshakeTimeoutSeconds + "]";
    }
}
