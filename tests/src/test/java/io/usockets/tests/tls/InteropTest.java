package io.usockets.tests.tls;

import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Tls;
import io.usockets.tests.EventLog;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A us_* TLS server against independent TLS stacks: the JDK's HttpClient, {@code openssl s_client} (with SNI, and
 * with a client certificate against an mTLS server), {@code curl --cacert} and Node.js {@code tls}. The server
 * answers an HTTP request with a fixed page and echoes anything else, then sends close_notify and FIN.
 */
class InteropTest {

    private static final String PAGE = "hello from usockets over TLS";
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            + "Content-Length: " + PAGE.length() + "\r\n\r\n" + PAGE;

    /** Starts the responder on {@code tl}; events go to {@code log}. Returns the port. */
    private static int startServer(TestLoop tl, SocketContextOptions options, EventLog log) {
        return tl.call(() -> {
            SocketContext<Void, StringBuilder> server = tl.loop().createSocketContext(options);
            server.addServerName("sni.test", null, "sni-data");
            server.onOpen((s, client) -> {
                s.setExt(new StringBuilder());
                log.add("open:" + s.serverNameUserData() + ":" + Tls.protocol(s));
            }).onData((s, data) -> {
                StringBuilder request = s.ext();
                request.append(StandardCharsets.ISO_8859_1.decode(data));
                if (request.indexOf("HTTP/1.1\r\n") >= 0) {
                    if (request.indexOf("\r\n\r\n") >= 0) {
                        request.setLength(0);
                        s.write(ByteBuffer.wrap(RESPONSE.getBytes(StandardCharsets.ISO_8859_1)));
                        s.shutdown();
                    }
                } else if (request.indexOf("\n") >= 0) {
                    s.write(ByteBuffer.wrap(("echo:" + request).getBytes(StandardCharsets.ISO_8859_1)));
                    s.shutdown();
                }
            }).onEnd(s -> s.shutdown())
                    .onClose((s, code, reason) -> log.add("close:" + code + ":" + reason));
            return server.listen(null, 0).port();
        });
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void jdkHttpClientGetsThePage(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        // Made before the loop's descriptor baseline: the client keeps a selector of its own open for good.
        HttpClient client = HttpClient.newBuilder().sslContext(TlsSupport.jdkContext(null))
                .version(HttpClient.Version.HTTP_1_1).build();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = startServer(tl, TlsSupport.serverOptions(), log);
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals(PAGE, response.body());
            }
            log.await("close:", 3);
        }
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void opensslSClientWithServerNameVerifiesAndEchoes(String backend, @TempDir Path dir) throws Exception {
        TlsSupport.requireTool("openssl", "version");
        Path ca = TlsSupport.write(dir, "ca.pem", TlsSupport.CA.certificatePem());
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = startServer(tl, TlsSupport.serverOptions(), log);
            String[] result = TlsSupport.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                    "-servername", "sni.test", "-CAfile", ca.toString(), "-verify_return_error"), "hello openssl\n",
                    () -> log.await("close:", 1)); // s_client ends when the server has answered and closed
            assertTrue(result[1].contains("echo:hello openssl"), result[1]);
            assertTrue(result[1].contains("Verify return code: 0 (ok)"), result[1]);
            log.await("close:", 1);
        }
        assertEquals("open:sni-data:TLSv1.3", log.first("open:"), log.toString());
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void opensslSClientWithAClientCertificatePassesMutualTls(String backend, @TempDir Path dir) throws Exception {
        TlsSupport.requireTool("openssl", "version");
        Path ca = TlsSupport.write(dir, "ca.pem", TlsSupport.CA.certificatePem());
        Path cert = TlsSupport.write(dir, "client.pem", TlsSupport.CLIENT.certificatePem());
        Path key = TlsSupport.write(dir, "client-key.pem", TlsSupport.CLIENT.privateKeyPem());
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = startServer(tl, TlsSupport.serverOptions().withCaPem(TlsSupport.CA.certificatePem()), log);
            String[] withCert = TlsSupport.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                    "-CAfile", ca.toString(), "-cert", cert.toString(), "-key", key.toString()), "mutual\n",
                    () -> log.await("close:", 1));
            assertTrue(withCert[1].contains("echo:mutual"), withCert[1]);
            log.await("close:", 1);
            String[] without = TlsSupport.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                    "-CAfile", ca.toString()), "anonymous\n",
                    () -> log.await("close:TLS_VERIFY_FAILED", 1));
            assertTrue(!without[1].contains("echo:anonymous"), without[1]);
            log.await("close:TLS_VERIFY_FAILED", 1);
        }
        assertEquals(1, log.count("open:"), "only the client with a certificate opens: " + log);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void curlWithTheCaFileGetsThePage(String backend, @TempDir Path dir) throws Exception {
        TlsSupport.requireTool("curl", "--version");
        Path ca = TlsSupport.write(dir, "ca.pem", TlsSupport.CA.certificatePem());
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = startServer(tl, TlsSupport.serverOptions(), log);
            List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "15", "--cacert",
                    ca.toString(), "https://localhost:" + port + "/"));
            String[] result = TlsSupport.run(command, "", () -> { });
            assertEquals("0", result[0], result[1]);
            assertEquals(PAGE, result[1]);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void nodeTlsConnectsWithServerNameAndEchoes(String backend, @TempDir Path dir) throws Exception {
        TlsSupport.requireTool("node", "--version");
        Path ca = TlsSupport.write(dir, "ca.pem", TlsSupport.CA.certificatePem());
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = startServer(tl, TlsSupport.serverOptions(), log);
            String script = "const tls = require('tls'), fs = require('fs');"
                    + "const s = tls.connect({host: '127.0.0.1', port: " + port + ", servername: 'localhost',"
                    + " ca: fs.readFileSync(process.argv[1])}, () => s.write('hello node\\n'));"
                    + "let got = '';"
                    + "s.on('data', d => { got += d; });"
                    + "s.on('end', () => { console.log('authorized=' + s.authorized + ' ' + got.trim()); });"
                    + "s.on('error', e => { console.log('error ' + e.message); process.exit(2); });";
            String[] result = TlsSupport.run(List.of("node", "-e", script, ca.toString()), "", () -> { });
            assertEquals("0", result[0], result[1]);
            assertTrue(result[1].contains("authorized=true echo:hello node"), result[1]);
            log.await("close:", 1);
        }
    }
}
