package io.usockets.tests.tls;

import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Tls;
import io.usockets.tests.EventLog;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * µSockets' context options on TLS: files and PEM in memory, passphrase, cipher list, DH parameters, CA; every bad
 * option fails at context creation with IllegalArgumentException naming it, and leaves no native context behind.
 */
class TlsOptionsTest {

    private static void assertRejected(TestLoop tl, SocketContextOptions options, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tl.call(() -> tl.loop().createSocketContext(options)));
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should name " + expected);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void badOptionsFailAtCreationNamingTheOption(String backend, @TempDir Path dir) throws Exception {
        long contextBaseline = Tls.liveSslContexts();
        Path cert = TlsSupport.write(dir, "cert.pem", TlsSupport.SERVER.certificatePem());
        Path key = TlsSupport.write(dir, "key.pem", TlsSupport.SERVER.privateKeyPem());
        Path notDh = TlsSupport.write(dir, "dh.pem", "not DH parameters");
        try (TestLoop tl = TestLoop.start(backend)) {
            assertRejected(tl, SocketContextOptions.tls(dir.resolve("missing.pem").toString(), key.toString()),
                    "certFile '" + dir.resolve("missing.pem") + "' cannot be read");
            assertRejected(tl, SocketContextOptions.tls(cert.toString(), dir.resolve("nokey.pem").toString()),
                    "keyFile '" + dir.resolve("nokey.pem") + "' cannot be read");
            assertRejected(tl, SocketContextOptions.tlsFromPem(TlsSupport.SERVER.certificatePem(),
                    TlsSupport.CLIENT.privateKeyPem()), "keyPem does not match the certificate of certPem");
            assertRejected(tl, SocketContextOptions.tls(cert.toString(), key.toString()).withCiphers("NOT-A-CIPHER"),
                    "ciphers 'NOT-A-CIPHER'");
            assertRejected(tl, SocketContextOptions.tls(cert.toString(), key.toString())
                    .withDhParamsFile(notDh.toString()), "dhParamsFile '" + notDh + "'");
            assertRejected(tl, SocketContextOptions.tlsClient().withCaPem("garbage"), "caPem");
            assertRejected(tl, SocketContextOptions.tlsClient().withCaFile(cert + ".missing"), "caFile");
            assertRejected(tl, SocketContextOptions.tls(cert.toString(), null), "certFile is set but no private key");
            assertRejected(tl, SocketContextOptions.tlsFromPem("no pem here", TlsSupport.SERVER.privateKeyPem()),
                    "certPem holds no PEM certificate");
            IllegalArgumentException sni = assertThrows(IllegalArgumentException.class, () -> tl.run(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext(TlsSupport.serverOptions());
                ctx.addServerName("bad.test", SocketContextOptions.tlsFromPem(TlsSupport.SERVER.certificatePem(),
                        TlsSupport.CLIENT.privateKeyPem()), null);
            }));
            assertTrue(sni.getMessage().contains("server name bad.test"), sni.getMessage());
            assertThrows(IllegalArgumentException.class, () -> tl.run(() -> tl.loop()
                    .createSocketContext(TlsSupport.serverOptions()).addServerName("a.*.test", null, null)));
        }
        assertEquals(contextBaseline, Tls.liveSslContexts(), "native contexts of failed or freed TLS contexts");
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void filesPassphraseAndCipherListAreApplied(String backend, @TempDir Path dir) throws Exception {
        TlsSupport.requireTool("openssl", "version");
        Path plainKey = TlsSupport.write(dir, "key.pem", TlsSupport.SERVER.privateKeyPem());
        Path encryptedKey = dir.resolve("encrypted.pem");
        Process p = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plainKey.toString(),
                "-out", encryptedKey.toString(), "-passout", "pass:s3cret").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        assertTrue(Files.readString(encryptedKey).contains("ENCRYPTED PRIVATE KEY"));
        Path cert = TlsSupport.write(dir, "cert.pem", TlsSupport.SERVER.certificatePem());
        Path dh = TlsSupport.write(dir, "dh.pem", "-----BEGIN DH PARAMETERS-----\nMAA=\n-----END DH PARAMETERS-----\n");
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            assertRejected(tl, SocketContextOptions.tls(cert.toString(), encryptedKey.toString()),
                    "keyFile is encrypted and no passphrase was given");
            assertRejected(tl, SocketContextOptions.tls(cert.toString(), encryptedKey.toString())
                    .withPassphrase("wrong"), "keyFile cannot be read as a PEM private key (wrong passphrase?)");
            int port = tl.call(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(
                        SocketContextOptions.tls(cert.toString(), encryptedKey.toString()).withPassphrase("s3cret")
                                .withCiphers("ECDHE-ECDSA-AES128-GCM-SHA256").withDhParamsFile(dh.toString())
                                .withPreferLowMemory(true));
                server.onOpen((s, client) -> log.add("open:" + Tls.protocol(s)))
                        .onData((s, data) -> s.write(data));
                return server.listen("127.0.0.1", 0).port();
            });
            tryCipher(port, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", log);
            tryCipher(port, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", log);
        }
        assertEquals(List.of("open:TLSv1.2", "accepted:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "refused:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"), log.snapshot());
    }

    /**
     * A JDK client offering only {@code suite} on TLS 1.2: logs {@code accepted:suite} when the echo comes back,
     * {@code refused:suite} when the handshake fails.
     */
    private static void tryCipher(int port, String suite, EventLog log) throws Exception {
        try (SSLSocket socket = (SSLSocket) TlsSupport.jdkContext(null).getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.setSoTimeout((int) TestLoop.WAIT.toMillis());
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(new String[] {suite});
            try {
                socket.getOutputStream().write(7);
                assertEquals(7, socket.getInputStream().read());
                log.add("accepted:" + suite);
            } catch (javax.net.ssl.SSLException e) {
                log.add("refused:" + suite);
            }
        }
    }

    /**
     * Without a cipher list TLS 1.2 offers AEAD suites only (no CBC, so nothing for LUCKY13); the explicit
     * {@code COMPATIBLE_CIPHERS} list adds the CBC suites for old clients. TLS 1.3 works with both.
     */
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void defaultCiphersAreAeadOnlyAndTheCompatibleListAddsCbc(String backend) throws Exception {
        List<String> suites = List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            for (SocketContextOptions options : List.of(TlsSupport.serverOptions(),
                    TlsSupport.serverOptions().withCiphers(SocketContextOptions.COMPATIBLE_CIPHERS))) {
                int port = tl.call(() -> {
                    SocketContext<Void, Void> server = tl.loop().createSocketContext(options);
                    server.onData((s, data) -> s.write(data));
                    return server.listen("127.0.0.1", 0).port();
                });
                log.add(options.ciphers() == null ? "default" : "compatible");
                for (String suite : suites) {
                    tryCipher(port, suite, log);
                }
            }
        }
        assertEquals(List.of("default", "refused:TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                "refused:TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "accepted:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "accepted:TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "compatible",
                "accepted:TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "accepted:TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "accepted:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "accepted:TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"), log.snapshot());
    }
}
