package io.usockets.bench.servers;

import io.usockets.examples.ExampleOptions;
import io.usockets.examples.HttpServer;
import io.usockets.examples.Running;

import io.usockets.Loop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Java comparison server of run.sh speaks the same bytes as the usockets http-server example. */
class HelloServersTest {

    @Test
    void helloResponseIsTheHttpServerExamplesResponse() throws Exception {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        ExampleOptions options = ExampleOptions.parse(ExampleOptions.Kind.SERVER,
                List.of("--host", "127.0.0.1", "--port", "0", "--backend", "nio"));
        Running example = HttpServer.start(options, out);
        try {
            assertArrayEquals(HelloResponse.bytes(), Http.get(example.port()),
                    "the comparison servers must answer exactly what the usockets example answers");
        } finally {
            example.stop();
        }
    }

    static List<String> backends() {
        return Loop.availableBackends();
    }

    /** The example with --ssl (a generated self-signed certificate) answers the same bytes over TLS. */
    @ParameterizedTest
    @MethodSource("backends")
    void helloResponseIsTheHttpServerExamplesResponseOverTls(String backend) throws Exception {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        ExampleOptions options = ExampleOptions.parse(ExampleOptions.Kind.SERVER,
                List.of("--host", "127.0.0.1", "--port", "0", "--backend", backend, "--ssl"));
        Running example = HttpServer.start(options, out);
        try {
            assertArrayEquals(HelloResponse.bytes(), Http.getTls(example.port()));
            assertArrayEquals(HelloResponse.bytes(), Http.getTls(example.port()), "a second TLS connection");
        } finally {
            example.stop();
        }
    }

    @Test
    void nettyTlsServerAnswersTheExamplesBytesOverTls() throws Exception {
        try (HelloServer server = HelloServers.create("netty-epoll-tls")) {
            int port = server.start("127.0.0.1", 0);
            assertArrayEquals(HelloResponse.bytes(), Http.getTls(port));
            assertArrayEquals(HelloResponse.bytes(), Http.getTls(port), "a second TLS connection");
        }
    }

    @Test
    void nettyTlsServerRefusesPlaintext() throws Exception {
        try (HelloServer server = HelloServers.create("netty-epoll-tls")) {
            int port = server.start("127.0.0.1", 0);
            assertThrows(java.io.IOException.class, () -> Http.get(port),
                    "a plaintext GET on the TLS port must not get the page");
        }
    }

    @Test
    void nettyTlsNeedsBothFiles() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HelloServers.create("netty-epoll-tls", "cert.pem", null));
        assertTrue(e.getMessage().contains("--cert and --key go together"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll", "netty-nio", "vertx-net", "jdk-nio"})
    void toyProtocolServersAnswerWithTheHelloResponse(String name) throws Exception {
        try (HelloServer server = HelloServers.create(name)) {
            int port = server.start("127.0.0.1", 0);
            assertTrue(port > 0, "bound port " + port);
            assertArrayEquals(HelloResponse.bytes(), Http.get(port));
            assertArrayEquals(HelloResponse.bytes(), Http.get(port), "a second connection gets the same answer");
        }
    }

    /**
     * The toy protocol answers each request end once, however the requests arrive: pipelined in one write, or with
     * a request end split across two writes. (Without this a pipelining client such as wrk's would stall.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll", "netty-nio", "vertx-net", "jdk-nio", "netty-epoll-tls", "vertx-http"})
    void everyPipelinedRequestGetsOneAnswer(String name) throws Exception {
        try (HelloServer server = HelloServers.create(name)) {
            int port = server.start("127.0.0.1", 0);
            List<byte[]> responses = Http.pipelined(port, name.endsWith("-tls"), 70);
            assertEquals(71, responses.size());
            for (byte[] response : responses) {
                if (name.equals("vertx-http")) {
                    assertEquals(HelloResponse.BODY, Http.body(response));
                } else {
                    assertArrayEquals(HelloResponse.bytes(), response);
                }
            }
        }
    }

    /** The usockets example, the reference of the toy protocol, answers pipelined requests the same way. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theExampleAnswersEveryPipelinedRequest(boolean tls) throws Exception {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--backend", "nio"));
        if (tls) {
            args.add("--ssl");
        }
        Running example = HttpServer.start(ExampleOptions.parse(ExampleOptions.Kind.SERVER, args), out);
        try {
            List<byte[]> responses = Http.pipelined(example.port(), tls, 70);
            assertEquals(71, responses.size());
            for (byte[] response : responses) {
                assertArrayEquals(HelloResponse.bytes(), response);
            }
        } finally {
            example.stop();
        }
    }

    @Test
    void vertxHttpServerAnswersWithTheHelloPage() throws Exception {
        try (HelloServer server = HelloServers.create("vertx-http")) {
            byte[] response = Http.get(server.start("127.0.0.1", 0));
            String text = new String(response, StandardCharsets.US_ASCII);
            assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), text);
            assertEquals(HelloResponse.BODY, Http.body(response));
        }
    }

    @Test
    void unknownServerNameIsRejectedWithTheKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HelloServers.create("apache"));
        assertTrue(e.getMessage().contains("'apache'") && e.getMessage().contains("netty-epoll"), e.getMessage());
    }
}
