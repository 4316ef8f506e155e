package io.usockets.tests;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Blocking java.net sockets on the other end of a us_* socket, as plain {@link Socket}s (see {@link Peer} for a
 * wrapper with more reads): clients, servers and accepted connections, plain or TLS, every read and accept bounded
 * by {@link #SO_TIMEOUT_MS}.
 */
final class JavaNetPeers {

    /** SO_TIMEOUT of every blocking java.net peer, so no read waits forever. */
    static final int SO_TIMEOUT_MS = (int) TestLoop.WAIT.toMillis();

    private JavaNetPeers() {
    }

    /** 127.0.0.1, never the IPv6 loopback. */
    static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
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
}
