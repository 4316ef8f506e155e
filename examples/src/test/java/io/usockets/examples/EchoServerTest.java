package io.usockets.examples;

import io.usockets.examples.ExampleOptions.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke tests of the echo-server example on every backend. */
class EchoServerTest {

    private static final int MIB = 1 << 20;

    static Running start(String backend) {
        return EchoServer.start(ExampleOptions.parse(Kind.SERVER, "--port", "0", "--host", "127.0.0.1",
                "--backend", backend), new ExampleBackends.Captured().stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void echoesOneMebibyteIntact(String backend) throws Exception {
        byte[] data = new byte[MIB];
        new Random(42).nextBytes(data);
        Running server = start(backend);
        try (java.net.Socket socket = HttpServerTest.connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            // Written from another thread while this one reads, so neither side's buffers can fill up for good.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int off = 0; off < data.length; off += 64 * 1024) {
                        out.write(data, off, Math.min(64 * 1024, data.length - off));
                    }
                    out.flush();
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // The half-close makes the server close after echoing everything: read to the end.
            InputStream in = socket.getInputStream();
            byte[] echoed = in.readAllBytes();
            writer.get(20, TimeUnit.SECONDS);
            assertEquals(data.length, echoed.length, "bytes echoed");
            assertEquals(sha256(data), sha256(echoed), "SHA-256 of the echo");
        } finally {
            server.stop();
        }
        assertTrue(server.isStopped(), "loop not freed after stop");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void echoesSmallMessagesOnAKeptConnection(String backend) throws Exception {
        try (Running server = start(backend); java.net.Socket socket = HttpServerTest.connect(server.port())) {
            for (int i = 0; i < 5; i++) {
                byte[] message = ("message " + i + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                socket.getOutputStream().write(message);
                socket.getOutputStream().flush();
                assertEquals(new String(message, java.nio.charset.StandardCharsets.US_ASCII),
                        new String(socket.getInputStream().readNBytes(message.length),
                                java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void withThreeThreadsEveryLoopEchoesOnTheSharedPort(String backend) throws Exception {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        Running server = EchoServer.start(ExampleOptions.parse(Kind.SERVER, "--port", "0", "--host", "127.0.0.1",
                "--backend", backend, "--threads", "3"), out.stream);
        try {
            assertEquals("Listening on port " + server.port() + System.lineSeparator(), out.text());
            int connections = 0;
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            while (java.util.Arrays.stream(server.acceptedPerLoop()).anyMatch(n -> n == 0) && connections < 400
                    && System.nanoTime() - deadline < 0) {
                try (java.net.Socket socket = HttpServerTest.connect(server.port())) {
                    byte[] hello = ("hello " + connections).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    socket.getOutputStream().write(hello);
                    socket.getOutputStream().flush();
                    assertEquals(new String(hello, java.nio.charset.StandardCharsets.US_ASCII), new String(
                            socket.getInputStream().readNBytes(hello.length), java.nio.charset.StandardCharsets.US_ASCII),
                            backend + ": echo on connection " + connections);
                }
                connections++;
            }
            assertTrue(java.util.Arrays.stream(server.acceptedPerLoop()).allMatch(n -> n > 0), backend + ": after "
                    + connections + " connections, accepts per loop "
                    + java.util.Arrays.toString(server.acceptedPerLoop()));
        } finally {
            server.stop();
        }
        assertTrue(server.isStopped(), backend + ": loops not freed after stop");
    }
}
