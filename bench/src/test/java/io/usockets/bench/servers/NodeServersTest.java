package io.usockets.bench.servers;

import io.usockets.ssl.Certificates;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Node.js comparison servers print the port line and answer like the Java ones, one answer per request, pipelined
 * ones too (needs node).
 */
class NodeServersTest {

    @ParameterizedTest
    @ValueSource(strings = {"hello-net.js", "hello-http.js", "hello-tls.js", "hello-https.js"})
    void nodeServerAnswersWithTheHelloPage(String script, @TempDir Path dir) throws Exception {
        requireNode();
        boolean tls = isTls(script);
        NodeServer server = NodeServer.start(script, dir);
        Process node = server.process();
        try {
            int port = server.port();
            List<byte[]> responses = new ArrayList<>();
            responses.add(tls ? Http.getTls(port) : Http.get(port));
            List<byte[]> pipelined = Http.pipelined(port, tls, 70);
            assertEquals(71, pipelined.size(), "one answer per pipelined request");
            responses.addAll(pipelined);
            for (byte[] response : responses) {
                if (script.equals("hello-net.js") || script.equals("hello-tls.js")) {
                    assertArrayEquals(HelloResponse.HELLO.bytes(), response);
                } else {
                    assertTrue(new String(response, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200 OK\r\n"));
                    assertEquals(HelloResponse.BODY, Http.body(response));
                }
            }
        } finally {
            node.destroy();
            if (!node.waitFor(10, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello-net.js", "hello-http.js", "hello-tls.js", "hello-https.js"})
    void nodeServerAnswersWithABodyOfTheResponseSize(String script, @TempDir Path dir) throws Exception {
        requireNode();
        int size = 100_000;
        boolean tls = isTls(script);
        NodeServer server = NodeServer.start(script, dir, "--response-size", String.valueOf(size));
        Process node = server.process();
        try {
            int port = server.port();
            HelloResponse expected = HelloResponse.of(size);
            if (script.equals("hello-net.js") || script.equals("hello-tls.js")) {
                // The toy protocol: more pipelined requests than the copies a large response keeps (10), so the
                // answers take several writes.
                List<byte[]> pipelined = Http.pipelined(port, tls, 20);
                assertEquals(21, pipelined.size(), script + ": one answer per pipelined request");
                for (byte[] response : pipelined) {
                    assertArrayEquals(expected.bytes(), response, script);
                }
            } else {
                // Node's http module writes the response itself: two requests on two connections.
                for (int i = 0; i < 2; i++) {
                    byte[] response = tls ? Http.getTls(port) : Http.get(port);
                    assertEquals(new String(expected.body(), StandardCharsets.US_ASCII), Http.body(response), script);
                }
            }
        } finally {
            node.destroy();
            if (!node.waitFor(10, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }

    private static boolean isTls(String script) {
        return script.equals("hello-tls.js") || script.equals("hello-https.js");
    }

    /** A Node.js comparison server started on an ephemeral port (with a generated certificate for the TLS ones). */
    private record NodeServer(Process process, int port) {

        static NodeServer start(String script, Path dir, String... extra) throws IOException {
            Path path = Path.of("node", script);
            assertTrue(Files.isRegularFile(path), "missing " + path.toAbsolutePath());
            List<String> command = new ArrayList<>(List.of("node", path.toString(), "--host", "127.0.0.1", "--port",
                    "0"));
            command.addAll(List.of(extra));
            if (isTls(script)) {
                Certificates.Issued cert = Certificates.selfSigned("localhost", "localhost", "127.0.0.1");
                Files.writeString(dir.resolve("cert.pem"), cert.certificatePem());
                Files.writeString(dir.resolve("key.pem"), cert.privateKeyPem());
                command.addAll(List.of("--cert", dir.resolve("cert.pem").toString(),
                        "--key", dir.resolve("key.pem").toString()));
            }
            Process node = new ProcessBuilder(command).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.matches("Listening on port \\d+")) {
                node.destroyForcibly();
                fail(script + " did not print its port line; it printed: " + line);
            }
            return new NodeServer(node, Integer.parseInt(line.substring("Listening on port ".length())));
        }
    }

    /** Skips when node is missing, except under CI=true, where it fails. */
    private static void requireNode() throws InterruptedException {
        boolean present;
        try {
            present = new ProcessBuilder("node", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            present = false;
        }
        if (!present) {
            if ("true".equals(System.getenv("CI"))) {
                fail("node is not installed; the Node.js comparison servers need it (CI=true)");
            }
            System.out.println("Skipping the Node.js server tests: node is not installed");
            Assumptions.abort("node is not installed");
        }
    }
}
