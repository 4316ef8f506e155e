package io.usockets.tests;

import io.usockets.Timer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Small helpers shared by the connect, listen, address, context, load, flow-control and failure tests: blocking
 * java.net peers with bounded waits, short temporary directories for unix sockets, and a way to let a loop run a
 * number of iterations.
 */
final class Part2Support {

    /** SO_TIMEOUT of every blocking java.net peer, so no read waits forever. */
    static final int SO_TIMEOUT_MS = (int) TestLoop.WAIT.toMillis();

    private Part2Support() {
    }

    /** A blocking java.net client connected to 127.0.0.1:{@code port}, with a bounded read timeout. */
    static Socket client(int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setSoTimeout(SO_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), SO_TIMEOUT_MS);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** A blocking client of {@code mode} (TLS: handshake done) connected to 127.0.0.1:{@code port}. */
    static Socket client(Mode mode, int port) throws IOException {
        return mode.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0, SO_TIMEOUT_MS);
    }

    /** Reads exactly {@code n} bytes or fails (end of stream or timeout). */
    static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            int r = in.read(out, done, n - done);
            if (r < 0) {
                throw new IOException("end of stream after " + done + " of " + n + " bytes");
            }
            done += r;
        }
        return out;
    }

    /** Writes {@code text} (ASCII) and reads back as many bytes, returning them as text. */
    static String roundTrip(Socket socket, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return new String(readExactly(socket.getInputStream(), bytes.length), StandardCharsets.ISO_8859_1);
    }

    /**
     * Whether the peer closed the connection: the next read gives end of stream or a reset. Fails on a timeout or
     * if data arrives instead.
     */
    static boolean closedByPeer(Socket socket) throws IOException {
        try {
            int r = socket.getInputStream().read();
            if (r >= 0) {
                throw new AssertionError("expected the connection to be closed, but byte " + r + " arrived");
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the connection stayed open for " + TestLoop.WAIT, e);
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    /** A loopback TCP port that nothing listens on: bound once, then closed. */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A blocking java.net server on 127.0.0.1 with an ephemeral port and a bounded accept timeout. */
    static ServerSocket server() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        s.setSoTimeout(SO_TIMEOUT_MS);
        return s;
    }

    /** Accepts one connection in {@code mode} (TLS: server handshake done) with the bounded timeouts set. */
    static Socket accept(Mode mode, ServerSocket server) throws IOException {
        return mode.accept(server, SO_TIMEOUT_MS);
    }

    /** Accepts one connection with the bounded timeouts set. */
    static Socket accept(ServerSocket server) throws IOException {
        Socket s = server.accept();
        s.setSoTimeout(SO_TIMEOUT_MS);
        return s;
    }

    /**
     * Lets the loop run for {@code ticks} firings of a 10 ms timer and waits for them: at least that many iterations
     * pass, and events that were already in flight get their chance to be dispatched.
     */
    static void settle(TestLoop tl, int ticks) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        tl.run(() -> {
            Timer<int[]> timer = tl.loop().createTimer(true);
            timer.setExt(new int[1]);
            timer.set(t -> {
                if (++t.ext()[0] >= ticks) {
                    t.close();
                    done.complete(null);
                }
            }, 10, 10);
        });
        TestLoop.await(done);
    }

    /** Waits until {@code value} reaches at least {@code target}, failing after {@link TestLoop#WAIT}. */
    static void awaitAtLeast(java.util.function.IntSupplier value, int target, String what) {
        long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
        int now = value.getAsInt();
        while (now < target) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + TestLoop.WAIT + " waiting for " + what + " to reach "
                        + target + "; it is " + now);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            now = value.getAsInt();
        }
    }

    /** A fresh directory with a short path (under /tmp where it exists) for unix socket files. */
    static Path shortTempDir() {
        try {
            Path tmp = Path.of("/tmp");
            return Files.isDirectory(tmp) ? Files.createTempDirectory(tmp, "usk-") : Files.createTempDirectory("usk-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory made by {@link #shortTempDir()} and whatever is left in it. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of the remaining bytes of a (receive-buffer view) buffer, leaving its position alone. */
    static byte[] copy(ByteBuffer data) {
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    /** The remaining bytes of a buffer as ISO-8859-1 text, leaving its position alone. */
    static String text(ByteBuffer data) {
        return new String(copy(data), StandardCharsets.ISO_8859_1);
    }

    /** ASCII text as a buffer. */
    static ByteBuffer buffer(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** {@code n} bytes of a deterministic pattern that differs by {@code seed}, so misplaced bytes show. */
    static byte[] pattern(int n, int seed) {
        byte[] out = new byte[n];
        long x = 0x9E3779B97F4A7C15L * (seed + 1);
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            out[i] = (byte) x;
        }
        return out;
    }
}
