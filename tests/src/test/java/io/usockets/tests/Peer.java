package io.usockets.tests;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.fail;

/** A blocking java.net peer on 127.0.0.1, plain or TLS, with every read bounded by {@link TestLoop#WAIT}. */
final class Peer implements AutoCloseable {

    /** How a peer's read side ended. */
    enum End {
        /** An orderly FIN: read returned -1. */
        EOF,
        /** The connection was reset. */
        RESET
    }

    private final java.net.Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Peer(java.net.Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:{@code port}. */
    static Peer connect(int port) throws IOException {
        return connect(port, 0);
    }

    /** Connects to 127.0.0.1:{@code port} with a receive buffer of {@code receiveBuffer} bytes (0 = default). */
    static Peer connect(int port, int receiveBuffer) throws IOException {
        return connect(Mode.PLAIN, port, receiveBuffer);
    }

    /** Connects to 127.0.0.1:{@code port} in {@code mode} (TLS: handshake done). */
    static Peer connect(Mode mode, int port) throws IOException {
        return connect(mode, port, 0);
    }

    /** Connects in {@code mode} with a receive buffer of {@code receiveBuffer} bytes (0 = default). */
    static Peer connect(Mode mode, int port, int receiveBuffer) throws IOException {
        return new Peer(mode.connect(new InetSocketAddress(JavaNetPeers.loopback(), port), receiveBuffer,
                (int) TestLoop.WAIT.toMillis()));
    }

    /** Wraps a socket accepted by a java.net server socket. */
    static Peer wrap(java.net.Socket accepted) throws IOException {
        accepted.setSoTimeout((int) TestLoop.WAIT.toMillis());
        return new Peer(accepted);
    }

    java.net.Socket raw() {
        return socket;
    }

    void write(String ascii) throws IOException {
        write(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
    }

    /** Reads exactly {@code n} bytes. */
    byte[] readExactly(int n) throws IOException {
        byte[] b = new byte[n];
        new DataInputStream(in).readFully(b);
        return b;
    }

    String readAscii(int n) throws IOException {
        return new String(readExactly(n), StandardCharsets.US_ASCII);
    }

    /** Reads into {@code b}; -1 at end of stream. */
    int read(byte[] b) throws IOException {
        return in.read(b);
    }

    /** Expects the stream to end with no more data: returns EOF or RESET, fails on data or a timeout. */
    End readEnd() throws IOException {
        try {
            int b = in.read();
            if (b >= 0) {
                fail("the peer expected the end of the stream but read byte " + b);
            }
            return End.EOF;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the peer saw neither EOF nor a reset within " + TestLoop.WAIT, e);
        } catch (SocketException e) {
            return End.RESET;
        }
    }

    /** Reads and discards until the stream ends; returns the bytes read before EOF (or -1 - count on reset). */
    long drainToEnd() throws IOException {
        byte[] b = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while ((n = in.read(b)) >= 0) {
                total += n;
            }
            return total;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the peer saw neither EOF nor a reset within " + TestLoop.WAIT, e);
        } catch (SocketException e) {
            return -1 - total;
        }
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
