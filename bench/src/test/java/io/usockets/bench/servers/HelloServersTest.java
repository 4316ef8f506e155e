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
            assertArrayEquals(HelloResponse.HELLO.bytes(), Http.get(example.port()),
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
            assertArrayEquals(HelloResponse.HELLO.bytes(), Http.getTls(example.port()));
            assertArrayEquals(HelloResponse.HELLO.bytes(), Http.getTls(example.port()), "a second TLS connection");
        } finally {
            example.stop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll-tls", "netty-io_uring-tls", "vertx-net-tls"})
    void tlsServersAnswerTheExamplesBytesOverTls(String name) throws Exception {
        try (HelloServer server = HelloServers.create(name)) {
            int port = server.start("127.0.0.1", 0);
            assertArrayEquals(HelloResponse.HELLO.bytes(), Http.getTls(port));
            assertArrayEquals(HelloResponse.HELLO.bytes(), Http.getTls(port), "a second TLS connection");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll-tls", "netty-io_uring-tls", "vertx-net-tls"})
    void tlsServersRefusePlaintext(String name) throws Exception {
        try (HelloServer server = HelloServers.create(name)) {
            int port = server.start("127.0.0.1", 0);
            assertThrows(java.io.IOException.class, () -> Http.get(port),
                    "a plaintext GET on the TLS port must not get the page");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll-tls", "netty-io_uring-tls", "vertx-net-tls"})
    void tlsServersNeedBothFiles(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HelloServers.create(name, "cert.pem", null, HelloResponse.HELLO));
        assertTrue(e.getMessage().contains("--cert and --key go together"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll", "netty-io_uring", "netty-nio", "vertx-net", "jdk-nio"})
    void toyProtocolServersAnswerWithTheHelloResponse(String name) throws Exception {
        try (HelloServer server = HelloServers.create(name)) {
            int port = server.start("127.0.0.1", 0);
            assertTrue(port > 0, "bound port " + port);
            assertArrayEquals(HelloResponse.HELLO.bytes(), Http.get(port));
            assertArrayEquals(HelloResponse.HELLO.bytes(), Http.get(port), "a second connection gets the same answer");
        }
    }

    /**
     * The toy protocol answers each request end once, however the requests arrive: pipelined in one write, or with
     * a request end split across two writes. (Without this a pipelining client such as wrk's would stall.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll", "netty-io_uring", "netty-nio", "vertx-net", "jdk-nio", "netty-epoll-tls",
            "netty-io_uring-tls", "vertx-net-tls", "vertx-http"})
    void everyPipelinedRequestGetsOneAnswer(String name) throws Exception {
        try (HelloServer server = HelloServers.create(name)) {
            int port = server.start("127.0.0.1", 0);
            List<byte[]> responses = Http.pipelined(port, name.endsWith("-tls"), 70);
            assertEquals(71, responses.size());
            for (byte[] response : responses) {
                if (name.equals("vertx-http")) {
                    assertEquals(HelloResponse.BODY, Http.body(response));
                } else {
                    assertArrayEquals(HelloResponse.HELLO.bytes(), response);
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
                assertArrayEquals(HelloResponse.HELLO.bytes(), response);
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

    /** At every size the example answers the bytes the comparison servers answer: the sweep compares like with like. */
    @ParameterizedTest
    @ValueSource(ints = {0, 16, 1024, 100_000})
    void theExampleAnswersTheSameBytesAsHelloResponseAtEverySize(int size) throws Exception {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Running example = HttpServer.start(ExampleOptions.parse(ExampleOptions.Kind.HTTP_SERVER, List.of("--host",
                "127.0.0.1", "--port", "0", "--backend", "nio", "--response-size", String.valueOf(size))), out);
        try {
            assertArrayEquals(HelloResponse.of(size).bytes(), Http.get(example.port()), "size " + size);
        } finally {
            example.stop();
        }
    }

    /**
     * With a large response every server answers every pipelined request whole, through more requests than the
     * copies it keeps (10 at 100 000 bytes), so answers take several writes and short ones.
     */
    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll", "netty-io_uring", "netty-nio", "vertx-net", "jdk-nio", "netty-epoll-tls",
            "netty-io_uring-tls", "vertx-net-tls", "vertx-http"})
    void everyServerAnswersWithABodyOfTheResponseSize(String name) throws Exception {
        HelloResponse answer = HelloResponse.of(100_000);
        try (HelloServer server = HelloServers.create(name, null, null, answer)) {
            int port = server.start("127.0.0.1", 0);
            List<byte[]> responses = Http.pipelined(port, name.endsWith("-tls"), 20);
            assertEquals(21, responses.size(), name);
            for (byte[] response : responses) {
                if (name.equals("vertx-http")) {
                    assertEquals(new String(answer.body(), StandardCharsets.US_ASCII), Http.body(response), name);
                } else {
                    assertArrayEquals(answer.bytes(), response, name);
                }
            }
        }
    }

    @Test
    void responseSizeIsCheckedNamingTheValue() {
        assertEquals(16, HelloServers.responseSize("16"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HelloServers.responseSize("-1"));
        assertEquals("option --response-size -1 is out of range; expected 0 to 16777216", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HelloServers.responseSize("big"));
        assertEquals("option --response-size 'big' is not a whole number; expected 0 to 16777216", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HelloResponse.of(HelloResponse.MAX_BODY_SIZE + 1));
        assertEquals(HelloResponse.HELLO, HelloResponse.of(-1));
        assertEquals(64, HelloResponse.HELLO.copies());
        assertEquals(1, HelloResponse.of(512 * 1024).copies());
    }
}
