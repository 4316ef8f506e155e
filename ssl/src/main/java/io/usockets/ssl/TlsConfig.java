package io.usockets.ssl;

import io.netty.internal.tcnative.CertificateCallback;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    /** The session-ID context of the default server context (sockets without a known server name). */
    private static final byte[] DEFAULT_SESSION_ID_CONTEXT = "usockets".getBytes(StandardCharsets.US_ASCII);

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
    private final SocketContextOptions options;
    private final boolean requireClientCertificate;
    /** The server context of each SNI pattern that served a socket, by pattern ({@link #serverContextFor}). */
    private final Map<String, Long> serverContextsByName = new HashMap<>();

    private TlsConfig(TlsEngine engine, long serverCtx, long clientCtx, KeyMaterial keyMaterial,
            PeerVerifier verifier, SocketContextOptions options, boolean requireClientCertificate) {
        this.options = options;
        this.requireClientCertificate = requireClientCertificate;
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
            PeerVerifier verifier = new PeerVerifier(engine, ca);
            server = Tcnative.newContext(PROTOCOLS, SSL.SSL_MODE_SERVER);
            configure(server, options, verifier);
            configureServer(server, ca != null, DEFAULT_SESSION_ID_CONTEXT);
            client = Tcnative.newContext(PROTOCOLS, SSL.SSL_MODE_CLIENT);
            configure(client, options, verifier);
            SSLContext.setVerify(client, SSL.SSL_CVERIFY_REQUIRED, VERIFY_DEPTH);
            material = KeyMaterial.load(server, certPem, keyPem, options.passphrase(), certOption, keyOption);
            TlsConfig config = new TlsConfig(engine, server, client, material, verifier, options, ca != null);
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

    /** The settings every native context of this config gets, server or client. */
    private static void configure(long ctx, SocketContextOptions options, PeerVerifier verifier) {
        SSLContext.setOptions(ctx, NO_OLD_PROTOCOLS | SSL.SSL_OP_NO_COMPRESSION | SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
        if (options.preferLowMemory()) {
            SSLContext.setMode(ctx, SSLContext.getMode(ctx) | SSL.SSL_MODE_RELEASE_BUFFERS);
        }
        setCiphers(ctx, options.ciphers() != null ? options.ciphers() : SocketContextOptions.DEFAULT_CIPHERS);
        if (!options.alpnProtocols().isEmpty()) {
            SSLContext.setAlpnProtos(ctx, options.alpnProtocols().toArray(new String[0]),
                    SSL.SSL_SELECTOR_FAILURE_NO_ADVERTISE);
        }
        SSLContext.setCertVerifyCallback(ctx, verifier);
    }

    /**
     * The server side: a client certificate is asked for only when a CA is set (mTLS); clients always run the
     * verifier, which accepts everything without a CA (BoringSSL cannot run verify-none with a custom verifier).
     * Sessions are cached and made under {@code sessionIdContext}; BoringSSL gives every native context ticket keys
     * of its own, so a session resumes only on the context that made it.
     */
    private static void configureServer(long ctx, boolean requireClientCertificate, byte[] sessionIdContext) {
        SSLContext.setVerify(ctx, requireClientCertificate ? SSL.SSL_CVERIFY_REQUIRED : SSL.SSL_CVERIFY_NONE,
                VERIFY_DEPTH);
        SSLContext.setSessionCacheMode(ctx, SSL.SSL_SESS_CACHE_SERVER);
        SSLContext.setSessionIdContext(ctx, sessionIdContext);
    }

    /**
     * The server context for sockets whose ClientHello named a host served under {@code pattern}: created on first
     * use as a copy of the default one, with the pattern's own session-ID context (a SHA-256 of it) and its own
     * ticket keys, so a session made under one name never resumes under another (whose client-certificate rule or
     * certificate may differ). Kept until the config is freed: sockets of a removed pattern may still use it.
     */
    long serverContextFor(String pattern) {
        Long ctx = serverContextsByName.get(pattern);
        if (ctx != null) {
            return ctx;
        }
        long created = 0;
        try {
            created = Tcnative.newContext(PROTOCOLS, SSL.SSL_MODE_SERVER);
            configure(created, options, verifier);
            configureServer(created, requireClientCertificate, MessageDigest.getInstance("SHA-256")
                    .digest(("usockets server name " + pattern).getBytes(StandardCharsets.UTF_8)));
            SSLContext.setCertificateCallback(created, certificateCallback());
        } catch (Exception e) {
            if (created != 0) {
                Tcnative.freeContext(created);
            }
            SSL.clearError();
            throw new IllegalStateException("cannot create the TLS context of server name " + pattern + ": "
                    + e.getMessage(), e);
        }
        serverContextsByName.put(pattern, created);
        return created;
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
            if (entry == null && name != null && serverNameHandler != null
                    && (socket == null || (socket.tlsFlags & TlsSocket.NAME_ASKED) == 0)) {
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

    /** Whether servers pick a native context by the ClientHello's name: names were added or onServerName is set. */
    boolean servesNames() {
        return serverNameHandler != null || !serverNames.isEmpty();
    }

    /** Creates the SSL of a socket from {@code ctx} (one of this config's); counts as a reference. */
    long newSsl(long ctx, boolean server) {
        long ssl = Tcnative.newSsl(ctx, server);
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
            for (long ctx : serverContextsByName.values()) {
                Tcnative.freeContext(ctx);
            }
            serverContextsByName.clear();
            release(serverCtx, clientCtx, keyMaterial);
        }
    }
}
