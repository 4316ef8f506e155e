package io.usockets.examples;

import io.usockets.testsupport.TcpQueues;
import io.usockets.examples.ExampleOptions.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Smoke tests of the http-server example on every backend: JDK HttpClient, raw sockets, curl. */
class HttpServerTest {

    private static final byte[] RESPONSE = HttpServer.RESPONSE.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REQUEST =
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int SOCKET_TIMEOUT_MS = 20_000;

    static Running start(String backend, ExampleBackends.Captured out) {
        return HttpServer.start(ExampleOptions.parse(Kind.SERVER, "--port", "0", "--host", "127.0.0.1",
                "--backend", backend), out.stream);
    }

    @Test
    void responseAnnouncesTheLengthOfItsBody() {
        String[] parts = HttpServer.RESPONSE.split("\r\n\r\n", 2);
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: " + parts[1].length(), parts[0]);
        // µSockets' literal says 50, but "<html><body><h1>Why hello there!</h1></body></html>" is 51 bytes.
        assertEquals(51, parts[1].length());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void printsOneListeningLineWithTheBoundPort(String backend) {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        Running server = start(backend, out);
        try {
            assertTrue(server.port() > 0, "port " + server.port());
            assertEquals("Listening on port " + server.port() + System.lineSeparator(), out.text());
        } finally {
            server.stop();
        }
        assertTrue(server.isStopped(), "loop not freed after stop");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void answersJdkHttpClientSeveralTimes(String backend) throws Exception {
        try (Running server = start(backend, new ExampleBackends.Captured())) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/");
            for (int i = 0; i < 5; i++) {
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals(HttpServer.BODY, response.body());
                assertEquals(List.of(String.valueOf(HttpServer.BODY.length())),
                        response.headers().allValues("content-length"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void keepsTheConnectionAliveAcrossRequests(String backend) throws Exception {
        try (Running server = start(backend, new ExampleBackends.Captured());
             java.net.Socket socket = connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 3; i++) {
                out.write(REQUEST);
                out.flush();
                assertArrayEquals(RESPONSE, in.readNBytes(RESPONSE.length), "response " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void answersTwoPipelinedRequestsSentInOneWrite(String backend) throws Exception {
        try (Running server = start(backend, new ExampleBackends.Captured());
             java.net.Socket socket = connect(server.port())) {
            byte[] two = new byte[REQUEST.length * 2];
            System.arraycopy(REQUEST, 0, two, 0, REQUEST.length);
            System.arraycopy(REQUEST, 0, two, REQUEST.length, REQUEST.length);
            socket.getOutputStream().write(two);
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            // The half-close makes the server close once it has answered, so reading to the end also proves
            // that it sent exactly two responses.
            byte[] all = socket.getInputStream().readAllBytes();
            byte[] expected = new byte[RESPONSE.length * 2];
            System.arraycopy(RESPONSE, 0, expected, 0, RESPONSE.length);
            System.arraycopy(RESPONSE, 0, expected, RESPONSE.length, RESPONSE.length);
            assertEquals(new String(expected, StandardCharsets.US_ASCII), new String(all, StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void answersEveryPipelinedRequestThroughShortWritesWhileTheClientDoesNotRead(String backend) throws Exception {
        int requests = 20_000; // about 1.8 MB of answers: far more than the socket buffers hold, so writes fall short
        try (Running server = start(backend, new ExampleBackends.Captured());
             java.net.Socket socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), SOCKET_TIMEOUT_MS);
            socket.setSoTimeout(SOCKET_TIMEOUT_MS);
            byte[] all = new byte[REQUEST.length * requests];
            for (int i = 0; i < requests; i++) {
                System.arraycopy(REQUEST, 0, all, i * REQUEST.length, REQUEST.length);
            }
            // Send everything from another thread while this one reads only once the answers back up (the client
            // holds unread bytes and the server has more it cannot send yet), so the server's writes fall short; the
            // half-close then makes the server close once it has answered every request.
            Thread sender = new Thread(() -> {
                try {
                    socket.getOutputStream().write(all);
                    socket.getOutputStream().flush();
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            sender.start();
            int serverPort = server.port();
            int clientPort = socket.getLocalPort();
            TcpQueues.await(() -> TcpQueues.unread(clientPort, serverPort) > 0
                    && TcpQueues.unsent(serverPort, clientPort) > 0, "the answers to back up");
            byte[] received = socket.getInputStream().readAllBytes();
            sender.join(SOCKET_TIMEOUT_MS);
            assertEquals((long) RESPONSE.length * requests, received.length, "bytes of answers");
            for (int i = 0; i < requests; i++) {
                for (int j = 0; j < RESPONSE.length; j++) {
                    if (received[i * RESPONSE.length + j] != RESPONSE[j]) {
                        fail("answer " + i + " differs at byte " + j);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void answersARequestSplitAcrossWritesOnce(String backend) throws Exception {
        try (Running server = start(backend, new ExampleBackends.Captured());
             java.net.Socket socket = connect(server.port())) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            int[] cuts = {3, 15, 31, REQUEST.length - 2, REQUEST.length - 1};
            int from = 0;
            int serverPort = server.port();
            int clientPort = socket.getLocalPort();
            for (int cut : cuts) {
                out.write(REQUEST, from, cut - from);
                out.flush();
                // The server reads each part before the next is sent, so each arrives in a read of its own: the part
                // has reached the server's socket (acknowledged) and nothing waits there unread.
                TcpQueues.await(() -> TcpQueues.unsent(clientPort, serverPort) == 0
                        && TcpQueues.unread(serverPort, clientPort) == 0, "the server to read the part");
                from = cut;
            }
            out.write(REQUEST, from, REQUEST.length - from);
            out.flush();
            socket.shutdownOutput();
            assertEquals(HttpServer.RESPONSE,
                    new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void answersCurl(String backend) throws Exception {
        assumeCurl();
        try (Running server = start(backend, new ExampleBackends.Captured())) {
            String url = "http://127.0.0.1:" + server.port() + "/";
            List<String> command = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "10", url, url));
            Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output;
            try (InputStream in = curl.getInputStream()) {
                output = in.readAllBytes();
            }
            if (!curl.waitFor(20, TimeUnit.SECONDS)) {
                curl.destroyForcibly();
                fail("curl did not finish within 20 s");
            }
            // Two URLs: curl fetches both over one keep-alive connection.
            assertEquals(HttpServer.BODY + HttpServer.BODY, new String(output, StandardCharsets.UTF_8));
            assertEquals(0, curl.exitValue(), "curl exit code");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void withTwoThreadsBothLoopsServeThePortAndOneListeningLineIsPrinted(String backend) throws Exception {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        Running server = HttpServer.start(ExampleOptions.parse(Kind.HTTP_SERVER, "--port", "0", "--host",
                "127.0.0.1", "--backend", backend, "--threads", "2"), out.stream);
        try {
            assertEquals("Listening on port " + server.port() + System.lineSeparator(), out.text());
            assertEquals(2, server.loops());
            // The kernel picks the loop per connection (SO_REUSEPORT): connect until both have accepted one, each
            // connection answered whole (the loop counted it when it accepted it, before answering).
            int connections = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!everyLoopAccepted(server) && connections < 400 && System.nanoTime() - deadline < 0) {
                try (java.net.Socket socket = connect(server.port())) {
                    socket.getOutputStream().write(REQUEST);
                    socket.getOutputStream().flush();
                    assertArrayEquals(RESPONSE, socket.getInputStream().readNBytes(RESPONSE.length),
                            backend + ": response on connection " + connections);
                }
                connections++;
            }
            assertTrue(everyLoopAccepted(server), backend + ": after " + connections + " connections, accepts per "
                    + "loop " + java.util.Arrays.toString(server.acceptedPerLoop()));
        } finally {
            server.stop();
        }
        assertTrue(server.isStopped(), backend + ": loops not freed after stop");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void responseSizeAnswersEveryRequestWithABodyOfThatSize(String backend) throws Exception {
        for (int size : new int[] {0, 16, 100_000}) {
            try (Running server = HttpServer.start(ExampleOptions.parse(Kind.HTTP_SERVER, "--port", "0", "--host",
                    "127.0.0.1", "--backend", backend, "--response-size", String.valueOf(size)),
                    new ExampleBackends.Captured().stream)) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                URI uri = URI.create("http://127.0.0.1:" + server.port() + "/");
                for (int i = 0; i < 3; i++) {
                    HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, response.statusCode(), backend);
                    byte[] body = response.body();
                    assertEquals(size, body.length, backend + ": body size of answer " + i);
                    for (int j = 0; j < size; j++) {
                        if (body[j] != 'a' + j % 26) {
                            fail(backend + ": body of " + size + " bytes differs at byte " + j);
                        }
                    }
                }
            }
        }
    }

    private static boolean everyLoopAccepted(Running server) {
        for (long accepted : server.acceptedPerLoop()) {
            if (accepted == 0) {
                return false;
            }
        }
        return true;
    }

    /** Skips (or, under CI=true, fails) when curl is not installed. */
    static void assumeCurl() throws InterruptedException {
        boolean present;
        try {
            Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            present = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            present = false;
        }
        if (!present) {
            String reason = "curl is not installed";
            if ("true".equals(System.getenv("CI"))) {
                fail(reason + " (CI=true: .ci/run installs it)");
            }
            System.out.println("skipped: " + reason);
            assumeTrue(false, reason);
        }
    }

    static java.net.Socket connect(int port) throws IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), SOCKET_TIMEOUT_MS);
        socket.setSoTimeout(SOCKET_TIMEOUT_MS);
        return socket;
    }
}
