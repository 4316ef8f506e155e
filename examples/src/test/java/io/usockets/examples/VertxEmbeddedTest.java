package io.usockets.examples;

import io.usockets.examples.ExampleOptions.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vertx-embedded example: the HTTP route and the us_* line protocol see each other's updates of the one
 * counter, and every us_* callback ran on the Vert.x event-loop thread inside the hint's context.
 */
class VertxEmbeddedTest {

    /** The Vert.x backends on the test class path. */
    static List<String> vertxBackends() {
        return ExampleBackends.names().stream().filter(b -> b.startsWith("vertx")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vertxBackends")
    void httpAndLineProtocolShareOneCounterOnTheEventLoop(String backend) throws Exception {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        VertxEmbedded app = VertxEmbedded.start(ExampleOptions.parse(Kind.HTTP_AND_TCP, "--port", "0", "--host",
                "127.0.0.1", "--backend", backend), out.stream);
        try (java.net.Socket tcp = HttpServerTest.connect(app.tcpPort())) {
            assertEquals("Listening on port " + app.httpPort() + "\nListening on port " + app.tcpPort() + "\n",
                    out.text().replace("\r\n", "\n"));
            BufferedReader in = new BufferedReader(new InputStreamReader(tcp.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream os = tcp.getOutputStream();
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            URI count = URI.create("http://127.0.0.1:" + app.httpPort() + "/count");

            assertEquals("0", http(client, HttpRequest.newBuilder(count).GET()));
            assertEquals("1", line(os, in, "INC"));
            assertEquals("2", line(os, in, "INC"));
            assertEquals("2", http(client, HttpRequest.newBuilder(count).GET()), "HTTP sees the us_* increments");
            assertEquals("3", http(client, HttpRequest.newBuilder(count).POST(HttpRequest.BodyPublishers.noBody())));
            assertEquals("3", line(os, in, "GET"), "the line protocol sees the HTTP increment");
            // Two commands in one packet, and one split across two writes.
            os.write("INC\nGET\nG".getBytes(StandardCharsets.US_ASCII));
            os.flush();
            assertEquals("4", in.readLine());
            assertEquals("4", in.readLine());
            assertEquals("4", line(os, in, "ET"));
            assertTrue(line(os, in, "DEC").startsWith("ERR"), "an unknown command");
        } finally {
            app.close();
        }
        assertTrue(app.callbacks() >= 8, "us_* callbacks seen: " + app.callbacks());
        assertEquals(0, app.callbacksOutsideTheContext(),
                "us_* callbacks off the event-loop thread or outside the hint's context");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vertxBackends")
    void twoInstancesServeOnTheirOwnEventLoopsWithTheirOwnCounters(String backend) throws Exception {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        VertxEmbedded app = VertxEmbedded.start(ExampleOptions.parse(Kind.HTTP_AND_TCP, "--port", "0", "--host",
                "127.0.0.1", "--backend", backend, "--instances", "2"), out.stream);
        List<VertxEmbedded.Instance> instances = app.instances();
        try {
            assertEquals("Listening on port " + app.httpPort() + "\nListening on port " + app.tcpPort() + "\n",
                    out.text().replace("\r\n", "\n"));
            assertEquals(2, instances.size());
            assertTrue(instances.get(0).eventLoopThread() != instances.get(1).eventLoopThread(),
                    backend + ": both instances on " + instances.get(0).eventLoopThread());
            // The line server: the kernel picks the instance per connection (SO_REUSEPORT); connect until both
            // have accepted. Each connection increments its instance's counter and reads it back.
            int connections = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (instances.stream().anyMatch(i -> i.acceptedConnections() == 0) && connections < 400
                    && System.nanoTime() - deadline < 0) {
                try (java.net.Socket tcp = HttpServerTest.connect(app.tcpPort())) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(tcp.getInputStream(),
                            StandardCharsets.US_ASCII));
                    long before = Long.parseLong(line(tcp.getOutputStream(), in, "GET"));
                    assertEquals(before + 1, Long.parseLong(line(tcp.getOutputStream(), in, "INC")), backend);
                }
                connections++;
            }
            assertTrue(instances.stream().allMatch(i -> i.acceptedConnections() > 0), backend + ": after "
                    + connections + " connections, accepts per instance " + instances.stream()
                    .map(VertxEmbedded.Instance::acceptedConnections).toList());
            // HTTP: Vert.x hands the shared server's connections to the instances in turn.
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            URI count = URI.create("http://127.0.0.1:" + app.httpPort() + "/count");
            for (int i = 0; i < 20 && instances.stream().anyMatch(x -> x.httpRequests() == 0); i++) {
                // A new client, so a new connection.
                HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                http(fresh, HttpRequest.newBuilder(count).GET());
            }
            assertTrue(instances.stream().allMatch(x -> x.httpRequests() > 0), backend + ": HTTP requests per "
                    + "instance " + instances.stream().map(VertxEmbedded.Instance::httpRequests).toList());
            http(client, HttpRequest.newBuilder(count).GET());
        } finally {
            app.close();
        }
        for (VertxEmbedded.Instance instance : instances) {
            assertTrue(instance.callbacks() > 0, backend + ": us_* callbacks of an instance");
            assertEquals(0, instance.callbacksOutsideTheContext(),
                    backend + ": us_* callbacks off the instance's event-loop thread or outside its context");
        }
    }

    @Test
    void otherBackendsAreRefusedWithTheReason() {
        ExampleOptions.UsageException e = assertThrows(ExampleOptions.UsageException.class,
                () -> VertxEmbedded.start(ExampleOptions.parse(Kind.HTTP_AND_TCP, "--port", "0", "--backend", "nio"),
                        new ExampleBackends.Captured().stream));
        assertTrue(e.getMessage().contains("vertx or vertx-epoll"), e.getMessage());
    }

    @Test
    void tcpPortDefaultsToPortPlusOne() {
        assertEquals(3001, ExampleOptions.parse(Kind.HTTP_AND_TCP, "--port", "3000").tcpPort());
        assertEquals(0, ExampleOptions.parse(Kind.HTTP_AND_TCP, "--port", "0").tcpPort());
        assertEquals(4000, ExampleOptions.parse(Kind.HTTP_AND_TCP, "--tcp-port", "4000").tcpPort());
        assertThrows(ExampleOptions.UsageException.class,
                () -> ExampleOptions.parse(Kind.SERVER, "--tcp-port", "4000"));
    }

    private static String line(OutputStream os, BufferedReader in, String command) throws Exception {
        os.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
        os.flush();
        return in.readLine();
    }

    private static String http(HttpClient client, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body().trim();
    }
}
