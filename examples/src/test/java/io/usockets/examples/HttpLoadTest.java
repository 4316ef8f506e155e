package io.usockets.examples;

import io.usockets.examples.ExampleOptions.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke tests of the http-load example on every backend, and of its response framing. */
class HttpLoadTest {

    private static final Pattern RESULT = Pattern.compile("requests/s: (\\d+)\\R");

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void reportsRequestsPerSecondAgainstHttpServer(String backend) throws Exception {
        Run run = againstHttpServer(backend, "--connections", "4", "--pipeline", "2", "--duration", "1");
        Matcher m = RESULT.matcher(run.out().text());
        assertTrue(m.matches(), "output was '" + run.out().text() + "', errors '" + run.err().text() + "'");
        long perSecond = Long.parseLong(m.group(1));
        assertTrue(perSecond > 0, "requests/s " + perSecond);
        assertEquals(run.result().requestsPerSecond(), perSecond);
        assertEquals(0, run.result().errors());
    }

    /** --host takes a name: "localhost" is resolved off the loop (one lookup for every connection) and loaded. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void loadsAServerGivenByHostName(String backend) throws Exception {
        Run run = againstHttpServer(backend, "--host", "localhost", "--connections", "4", "--duration", "1");
        assertTrue(RESULT.matcher(run.out().text()).matches(), "output was '" + run.out().text() + "', errors '"
                + run.err().text() + "'");
        assertTrue(run.result().responses() > 0, "responses " + run.result().responses());
        assertEquals(0, run.result().errors());
    }

    /**
     * With --warmup the load runs first and only the seconds after it are measured: the measured window is the
     * duration (it starts when the warm-up timer fires), not warm-up plus duration.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void warmUpSecondsAreNotMeasured(String backend) throws Exception {
        Run run = againstHttpServer(backend, "--connections", "2", "--duration", "1", "--warmup", "3");
        HttpLoad.Result result = run.result();
        assertTrue(RESULT.matcher(run.out().text()).matches(), "output was '" + run.out().text() + "', errors '"
                + run.err().text() + "'");
        assertTrue(result.seconds() >= 1 && result.seconds() < 3, "measured " + result.seconds()
                + " s; expected the 1 s after the 3 s warm-up");
        assertTrue(result.responses() > 0, "responses " + result.responses());
        assertEquals(0, result.errors());
        assertTrue(run.err().text().contains("warm-up over; measuring for 1 s"), run.err().text());
    }

    /** One http-load run and what it printed. */
    private record Run(HttpLoad.Result result, ExampleBackends.Captured out, ExampleBackends.Captured err) {
    }

    /** Runs http-load with {@code args} on {@code backend} against the http-server example on the same backend. */
    private static Run againstHttpServer(String backend, String... args) throws Exception {
        try (Running server = HttpServerTest.start(backend, new ExampleBackends.Captured())) {
            ExampleBackends.Captured out = new ExampleBackends.Captured();
            ExampleBackends.Captured err = new ExampleBackends.Captured();
            List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of("--port", String.valueOf(server.port()), "--backend", backend));
            HttpLoad.Result result = runBounded(ExampleOptions.parse(Kind.CLIENT, all), out, err);
            return new Run(result, out, err);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void countsRefusedConnectsAsErrorsAndEndsEarly(String backend) throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        ExampleOptions options = ExampleOptions.parse(Kind.CLIENT, "--port", String.valueOf(closedPort),
                "--connections", "3", "--duration", "60", "--backend", backend);
        HttpLoad.Result result = runBounded(options, out, err);
        assertEquals("requests/s: 0" + System.lineSeparator() + "errors: 3" + System.lineSeparator(), out.text());
        assertEquals(3, result.errors());
        assertTrue(err.text().contains("REFUSED"), err.text());
    }

    @Test
    void countsResponsesSplitAndCoalesced() {
        String one = HttpServer.RESPONSE;
        String spaced = "HTTP/1.1 200 OK\r\ncontent-LENGTH:  3\r\nX-Other: 7\r\n\r\nabc";
        String empty = "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n";
        String stream = one + spaced + empty + one;
        byte[] bytes = stream.getBytes(StandardCharsets.US_ASCII);
        // Every way of cutting the stream in two gives the same count.
        for (int cut = 0; cut <= bytes.length; cut++) {
            HttpLoad.ResponseCounter counter = new HttpLoad.ResponseCounter();
            int counted = counter.count(ByteBuffer.wrap(bytes, 0, cut).slice())
                    + counter.count(ByteBuffer.wrap(bytes, cut, bytes.length - cut).slice());
            assertEquals(4, counted, "cut at " + cut);
        }
        // And byte by byte.
        HttpLoad.ResponseCounter counter = new HttpLoad.ResponseCounter();
        int counted = 0;
        for (byte b : bytes) {
            counted += counter.count(ByteBuffer.wrap(new byte[] {b}));
        }
        assertEquals(4, counted);
    }

    static HttpLoad.Result runBounded(ExampleOptions options, ExampleBackends.Captured out,
            ExampleBackends.Captured err) throws Exception {
        CompletableFuture<HttpLoad.Result> run = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                run.complete(HttpLoad.run(options, out.stream, err.stream));
            } catch (Throwable e) {
                run.completeExceptionally(e);
            }
        }, "http-load-test");
        t.setDaemon(true);
        t.start();
        return run.get(30, TimeUnit.SECONDS);
    }
}
