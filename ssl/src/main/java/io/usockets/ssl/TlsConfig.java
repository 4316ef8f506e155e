package io.usockets.ssl;

import io.netty.internal.tcnative.CertificateCallback;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The TLS state a root TLS context shares with its children (µSockets keeps it in the parent's SSL_CTX): two native
 * contexts — tcnative configures ALPN and verification per role, so servers and clients get one each — the key
 * material, the peer verifier, the SNI table and its handler.
 *
 * <p>Lifetime: counted references, one per context and one per live {@code SSL}; the native contexts and keys are
 * freed when the last one goes, so a socket never outlives the {@code SSL_CTX} it came from.
 *
 * <p>Single-threaded: owned by one loop's thread.
 */
final class TlsConfig {

    /** Protocols offered: TLS 1.2 and 1.3 only. */
    private static final int PROTOCOLS = SSL.SSL_PROTOCOL_TLSV1_2 | SSL.SSL_PROTOCOL_TLSV1_3;
    private static final int NO_OLD_PROTOCOLS = SSL.SSL_OP_NO_SSLv2 | SSL.SSL_OP_NO_SSLv3 | SSL.SSL_OP_NO_TLSv1
            | SSL.SSL_OP_NO_TLSv1_1;
    /** Internal buffer of the BIO pair for handshake output produced while reading; bigger flights are flushed. */
    static final int NON_APPLICATION_BUFFER = 2048;
    private static final int VERIFY_DEPTH = 10;

    final TlsEngine engine;
    final long serverCtx;
    final long clientCtx;
    final KeyMaterial keyMaterial;
    final PeerVerifier verifier;
    final ServerNames serverNames = new ServerNames();
    final boolean preferLowMemory;
    final int handshakeTimeoutSeconds;
    SocketContext.ServerNameHandler serverNameHandler;
    /** The context handed to the server-name handler (the root). */
    SocketContext<?, ?> root;
    private int references;

    private TlsConfig(TlsEngine engine, long serverCtx, long clientCtx, KeyMaterial keyMaterial,
            PeerVerifier verifier, SocketContextOptions options) {
        this.engine = engine;
        this.serverCtx = serverCtx;
        this.clientCtx = clientCtx;
        this.keyMaterial = keyMaterial;
        this.verifier = verifier;
        this.preferLowMemory = options.preferLowMemory();
        this.handshakeTimeoutSeconds = options.handshakeTimeoutSeconds();
    }

    /** Builds the native contexts from the options; a bad option throws IllegalArgumentException naming it. */
    static TlsConfig create(TlsEngine engine, SocketContextOptions options) {
        Tcnative.ensureAvailable();
        String certPem = Pem.read(options.certPem(), options.certFile(), "certFile");
        String keyPem = Pem.read(options.keyPem(), options.keyFile(), "keyFile");
        String caPem = Pem.read(options.caPem(), options.caFile(), "caFile");
        String dhPem = Pem.read(null, options.dhParamsFile(), "dhParamsFile");
        if (dhPem != null && !dhPem.contains("-----BEGIN DH PARAMETERS-----")) {
            throw new IllegalArgumentException("dhParamsFile '" + options.dhParamsFile()
                    + "' holds no PEM DH PARAMETERS block");
        }
        List<X509Certificate> ca = caPem == null ? null
                : Pem.parseCertificates(caPem, options.caPem() != null ? "caPem" : "caFile");
        String certOption = options.certPem() != null ? "certPem" : "certFile";
        String keyOption = options.keyPem() != null ? "keyPem" : "keyFile";

        long server = 0;
        long client = 0;
        KeyMaterial material = null;
        try {
            server = Tcnative.newContext(PROTOCOLS, SSL.SSL_MODE_SERVER);
            client = Tcnative.newContext(PROTOCOLS, SSL.SSL_MODE_CLIENT);
            PeerVerifier verifier = new PeerVerifier(engine, ca);
            for (long ctx : new long[] {server, client}) {
                SSLContext.setOptions(ctx, NO_OLD_PROTOCOLS | SSL.SSL_OP_NO_COMPRESSION
                        | SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
                if (options.preferLowMemory()) {
                    SSLContext.setMode(ctx, SSLContext.getMode(ctx) | SSL.SSL_MODE_RELEASE_BUFFERS);
                }
                if (options.ciphers() != null) {
                    setCiphers(ctx, options.ciphers());
                }
                if (!options.alpnProtocols().isEmpty()) {
                    SSLContext.setAlpnProtos(ctx, options.alpnProtocols().toArray(new String[0]),
                            SSL.SSL_SELECTOR_FAILURE_NO_ADVERTISE);
                }
                SSLContext.setCertVerifyCallback(ctx, verifier);
            }
            // Servers ask for a client certificate only when a CA is set (mTLS); clients always run the verifier,
            // which accepts everything without a CA (BoringSSL cannot run verify-none with a custom verifier).
            SSLContext.setVerify(server, ca != null ? SSL.SSL_CVERIFY_REQUIRED : SSL.SSL_CVERIFY_NONE, VERIFY_DEPTH);
            SSLContext.setVerify(client, SSL.SSL_CVERIFY_REQUIRED, VERIFY_DEPTH);
            SSLContext.setSessionCacheMode(server, SSL.SSL_SESS_CACHE_SERVER);
            SSLContext.setSessionIdContext(server, "usockets".getBytes(StandardCharsets.US_ASCII));
            material = KeyMaterial.load(server, certPem, keyPem, options.passphrase(), certOption, keyOption);
            TlsConfig config = new TlsConfig(engine, server, client, material, verifier, options);
            SSLContext.setCertificateCallback(server, config.certificateCallback());
            return config;
        } catch (IllegalArgumentException e) {
            release(server, client, material);
            throw e;
        } catch (Exception e) {
            release(server, client, material);
            throw new IllegalStateException("cannot create the TLS context: " + e.getMessage(), e);
        } finally {
            SSL.clearError();
        }
    }

    private static void release(long server, long client, KeyMaterial material) {
        if (material != null) {
            material.free();
        }
        if (server != 0) {
            Tcnative.freeContext(server);
        }
        if (client != 0) {
            Tcnative.freeContext(client);
        }
    }

    private static void setCiphers(long ctx, String ciphers) {
        boolean ok;
        try {
            ok = SSLContext.setCipherSuite(ctx, ciphers, false);
        } catch (Exception e) {
            throw new IllegalArgumentException("ciphers '" + ciphers + "' is not a valid cipher list: "
                    + e.getMessage(), e);
        }
        if (!ok) {
            throw new IllegalArgumentException("ciphers '" + ciphers + "' selects no cipher this TLS library knows");
        }
    }

    /** The server's certificate selection: the SNI table first (asking the handler once), else the default. */
    private CertificateCallback certificateCallback() {
        return (ssl, keyTypeBytes, asn1DerEncodedPrincipals) -> {
            TlsSocket socket = engine.current;
            String name = SSL.getSniHostname(ssl);
            ServerNames.Entry entry = serverNames.match(name);
            if (entry == null && name != null && serverNameHandler != null) {
                try {
                    serverNameHandler.onServerName(root, name);
                } catch (RuntimeException | Error e) {
                    if (socket != null) {
                        socket.callbackFailed(e);
                    }
                    throw e;
                }
                entry = serverNames.match(name);
            }
            KeyMaterial chosen = keyMaterial;
            if (entry != null) {
                if (socket != null) {
                    socket.serverNameUserData = entry.userData();
                }
                if (entry.material() != null) {
                    chosen = entry.material();
                }
            }
            if (chosen == null) {
                throw new IllegalStateException("this TLS context has no certificate to serve"
                        + (name == null ? "" : " for '" + name + "'"));
            }
            chosen.installOn(ssl);
        };
    }

    /** Creates the SSL of a socket with its network BIO; counts as a reference. */
    long newSsl(boolean server) {
        long ssl = Tcnative.newSsl(server ? serverCtx : clientCtx, server);
        references++;
        return ssl;
    }

    /** Frees a socket's SSL (its BIO goes with it) and drops its reference. */
    void freeSsl(long ssl) {
        Tcnative.freeSsl(ssl);
        release();
    }

    /** A context starts using this state. */
    void retain() {
        references++;
    }

    /** A context or SSL stops using this state; the last one frees the native objects. */
    void release() {
        if (--references == 0) {
            serverNames.freeAll();
            release(serverCtx, clientCtx, keyMaterial);
        }
    }
}
