package io.usockets.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged jar, run as the README runs it ({@code java -jar examples/target/usockets-examples.jar ...}) in a
 * process of its own: its manifest, its merged service files and its shaded dependencies are what a user gets, and
 * the in-process smoke tests cannot see them. Runs in the integration-test phase, after the jar is built.
 */
class PackagedJarIT {

    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = HttpServer.RESPONSE.getBytes(StandardCharsets.US_ASCII);
    /** Connections made to the two-loop server: the kernel picks a loop per connection, so all of them landing on
     *  one loop has a probability of 2^-63. */
    private static final int CONNECTIONS = 64;
    private static final Pattern LISTENING = Pattern.compile("Listening on port (\\d+)");
    private static final Pattern PER_LOOP =
            Pattern.compile("served per loop \\(connections[^)]*\\): \\[(\\d+), (\\d+)\\]");

    private static Path jar() {
        Path jar = Path.of(System.getProperty("examples.jar", "target/usockets-examples.jar"));
        assertTrue(Files.isRegularFile(jar), "the packaged jar " + jar.toAbsolutePath() + " is missing");
        return jar;
    }

    /**
     * Starts the jar with {@code args}, its standard error going to {@code err} (a file, read once the process has
     * exited: a pipe read while the process exits can be closed under the reader).
     */
    private static Process start(Path err, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", jar().toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(err.toFile()).start();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void httpServerWithTwoThreadsServesFromBothLoopsAndStopsOnSigterm(String backend, @TempDir Path dir)
            throws Exception {
        Path err = dir.resolve("stderr.txt");
        Process server = start(err, "http-server", "--host", "127.0.0.1", "--port", "0", "--backend", backend,
                "--threads", "2");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(60, TimeUnit.SECONDS);
            Matcher listening = LISTENING.matcher(first == null ? "" : first);
            if (!listening.matches()) {
                server.destroyForcibly();
                server.waitFor(20, TimeUnit.SECONDS);
                fail(backend + ": expected 'Listening on port N' first, got '" + first + "'; standard error: "
                        + Files.readString(err));
            }
            int port = Integer.parseInt(listening.group(1));
            for (int i = 0; i < CONNECTIONS; i++) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                    socket.setSoTimeout(10_000);
                    socket.getOutputStream().write(REQUEST);
                    assertArrayEquals(RESPONSE, socket.getInputStream().readNBytes(RESPONSE.length),
                            backend + ": answer on connection " + i);
                }
            }
            server.destroy();
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), backend + ": the jar did not exit on SIGTERM");
            String stderr = Files.readString(err);
            Matcher perLoop = PER_LOOP.matcher(stderr);
            assertTrue(perLoop.find(), backend + ": no per-loop count on standard error: " + stderr);
            int a = Integer.parseInt(perLoop.group(1));
            int b = Integer.parseInt(perLoop.group(2));
            assertEquals(CONNECTIONS, a + b, backend + ": accepted per loop " + a + " + " + b);
            assertTrue(a > 0 && b > 0, backend + ": one loop took every connection: " + a + ", " + b);
        } finally {
            server.destroyForcibly();
            server.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUnknownBackendListsEveryBackendTheJarHas(@TempDir Path dir) throws Exception {
        Path err = dir.resolve("stderr.txt");
        Process probe = start(err, "http-server", "--port", "0", "--backend", "no-such-backend");
        probe.getOutputStream().close();
        assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "the jar did not exit on a bad --backend");
        String said = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + Files.readString(err);
        assertEquals(2, probe.exitValue(), said);
        for (String backend : ExampleBackends.names()) {
            assertTrue(said.matches("(?s).*expected one of .*\\b" + Pattern.quote(backend) + "\\b.*"),
                    "the jar does not offer " + backend + ": " + said);
        }
    }
}
