package io.usockets.examples;

import io.usockets.examples.ExampleOptions.Kind;
import io.usockets.ssl.Certificates;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Smoke tests of the TLS options: {@code http-server --ssl} (self-signed, and with --cert/--key files),
 * {@code http-load --ssl} and {@code echo-server --ssl}.
 */
class HttpsExampleTest {

    /** Test-only trust of any certificate: --ssl alone serves a certificate nobody issued. */
    private static SSLContext trustingEverything() throws Exception {
        TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trustAll}, null);
        return context;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void sslAloneServesASelfSignedCertificateAndHttpLoadSpeaksTls(String backend) throws Exception {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        try (Running server = HttpServer.start(ExampleOptions.parse(Kind.SERVER, "--port", "0", "--host",
                "127.0.0.1", "--backend", backend, "--ssl"), out.stream)) {
            assertEquals("Listening on port " + server.port() + System.lineSeparator(), out.text());
            try (SSLSocket socket = (SSLSocket) trustingEverything().getSocketFactory()
                    .createSocket("127.0.0.1", server.port())) {
                socket.setSoTimeout(20_000);
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] expected = HttpServer.RESPONSE.getBytes(StandardCharsets.US_ASCII);
                assertEquals(HttpServer.RESPONSE, new String(socket.getInputStream().readNBytes(expected.length),
                        StandardCharsets.US_ASCII));
                X509Certificate peer = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                assertEquals(peer.getSubjectX500Principal(), peer.getIssuerX500Principal(), "self-signed");
            }
            ExampleBackends.Captured loadOut = new ExampleBackends.Captured();
            ExampleBackends.Captured loadErr = new ExampleBackends.Captured();
            HttpLoad.Result result = HttpLoadTest.runBounded(ExampleOptions.parse(Kind.CLIENT, "--port",
                    String.valueOf(server.port()), "--connections", "4", "--duration", "1", "--backend", backend,
                    "--ssl"), loadOut, loadErr);
            assertTrue(result.requestsPerSecond() > 0, loadOut.text() + loadErr.text());
            assertEquals(0, result.errors(), loadErr.text());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void certAndKeyFilesAreServedToCurl(String backend, @TempDir Path dir) throws Exception {
        HttpServerTest.assumeCurl();
        Certificates.Issued ca = Certificates.certificateAuthority("examples test CA");
        Certificates.Issued cert = Certificates.issue(ca, "localhost", "localhost", "127.0.0.1");
        Path caFile = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Path certFile = Files.writeString(dir.resolve("cert.pem"), cert.certificatePem());
        Path keyFile = Files.writeString(dir.resolve("key.pem"), cert.privateKeyPem());
        try (Running server = HttpServer.start(ExampleOptions.parse(Kind.SERVER, "--port", "0", "--host",
                "127.0.0.1", "--backend", backend, "--cert", certFile.toString(), "--key", keyFile.toString()),
                new ExampleBackends.Captured().stream)) {
            Process curl = new ProcessBuilder(List.of("curl", "-sS", "--max-time", "10", "--cacert",
                    caFile.toString(), "https://127.0.0.1:" + server.port() + "/")).redirectErrorStream(true).start();
            byte[] output;
            try (InputStream in = curl.getInputStream()) {
                output = in.readAllBytes();
            }
            if (!curl.waitFor(20, TimeUnit.SECONDS)) {
                curl.destroyForcibly();
                fail("curl did not finish within 20 s");
            }
            assertEquals(HttpServer.BODY, new String(output, StandardCharsets.UTF_8));
            assertEquals(0, curl.exitValue(), "curl exit code");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void echoServerWithSslEchoesOverTls(String backend) throws Exception {
        try (Running server = EchoServer.start(ExampleOptions.parse(Kind.SERVER, "--port", "0", "--host",
                "127.0.0.1", "--backend", backend, "--ssl"), new ExampleBackends.Captured().stream);
             SSLSocket socket = (SSLSocket) trustingEverything().getSocketFactory()
                     .createSocket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            byte[] message = "echo over tls".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 5; i++) {
                socket.getOutputStream().write(message);
                assertEquals("echo over tls", new String(socket.getInputStream().readNBytes(message.length),
                        StandardCharsets.US_ASCII));
            }
        }
    }
}
