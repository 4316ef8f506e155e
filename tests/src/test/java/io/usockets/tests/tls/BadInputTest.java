package io.usockets.tests.tls;

import io.usockets.SocketContext;
import io.usockets.ssl.Tls;
import io.usockets.tests.EventLog;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile or broken peers against a TLS server: random bytes, plaintext HTTP, a record larger than TLS allows
 * (before and after the handshake) and a record cut short by FIN after the handshake. Each bad connection is closed
 * with a clear code; the loop keeps serving a well-behaved TLS client afterwards; no descriptor (TestLoop's gate)
 * and no native SSL object is left behind.
 */
class BadInputTest {

    private static int startEchoServer(TestLoop tl, EventLog log) {
        return tl.call(() -> {
            SocketContext<Void, Void> server = tl.loop().createSocketContext(TlsSupport.serverOptions());
            server.onOpen((s, client) -> log.add("open"))
                    .onData((s, data) -> s.write(data))
                    .onEnd(s -> {
                        log.add("end");
                        s.close();
                    })
                    .onClose((s, code, reason) -> log.add("close:" + code + ":" + reason));
            return server.listen("127.0.0.1", 0).port();
        });
    }

    /** Sends {@code bytes} on a raw connection, then FIN, and waits for the server to close it. */
    private static void sendRaw(int port, byte[] bytes) throws IOException {
        try (Socket raw = new Socket("127.0.0.1", port)) {
            raw.setSoTimeout((int) TestLoop.WAIT.toMillis());
            raw.getOutputStream().write(bytes);
            raw.shutdownOutput();
            InputStream in = raw.getInputStream();
            while (in.read() >= 0) {
                // Drain an alert, if any, until the server's FIN.
            }
        }
    }

    /** A well-behaved client still gets its echo: the loop was not stopped by what came before. */
    private static void assertStillServing(int port) throws Exception {
        try (SSLSocket socket = (SSLSocket) TlsSupport.jdkContext(null).getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.setSoTimeout((int) TestLoop.WAIT.toMillis());
            socket.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
            assertEquals("still here", new String(socket.getInputStream().readNBytes(10), StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void randomBytesAndPlaintextHttpFailTheHandshake(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = startEchoServer(tl, log);
            byte[] random = new byte[4096];
            new Random(42).nextBytes(random);
            random[0] = 0x42;
            sendRaw(port, random);
            log.await("close:", 1);
            sendRaw(port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            log.await("close:", 2);
            // A handshake record announcing 64 KiB, more than any TLS record may hold.
            byte[] oversized = new byte[5 + 1000];
            oversized[0] = 0x16;
            oversized[1] = 0x03;
            oversized[2] = 0x01;
            oversized[3] = (byte) 0xFF;
            oversized[4] = (byte) 0xFF;
            sendRaw(port, oversized);
            log.await("close:", 3);
            assertStillServing(port);
            log.await("close:", 4);
        }
        assertEquals(1, log.count("open"), "only the good client opens: " + log);
        assertEquals(3, log.count("close:TLS_HANDSHAKE_FAILED:TLS handshake failed: "), log.toString());
        assertTrue(log.toString().contains("HTTP_REQUEST"), "BoringSSL names plaintext HTTP: " + log);
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void anOversizedRecordAfterTheHandshakeClosesThatSocketOnly(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = startEchoServer(tl, log);
            try (Socket raw = new Socket("127.0.0.1", port)) {
                raw.setSoTimeout((int) TestLoop.WAIT.toMillis());
                handshake(raw, port);
                log.await("open", 1);
                byte[] record = new byte[5 + 0x4801];
                record[0] = 0x17;
                record[1] = 0x03;
                record[2] = 0x03;
                record[3] = 0x48;
                record[4] = 0x01;
                raw.getOutputStream().write(record);
                log.await("close:", 1);
            }
            assertStillServing(port);
            log.await("close:", 2);
        }
        String first = log.first("close:");
        assertTrue(first.startsWith("close:OTHER:TLS error: ") && first.contains("TOO_LONG"), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aRecordCutShortByFinIsTheEndOfStream(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = startEchoServer(tl, log);
            try (Socket raw = new Socket("127.0.0.1", port)) {
                raw.setSoTimeout((int) TestLoop.WAIT.toMillis());
                handshake(raw, port);
                log.await("open", 1);
                raw.getOutputStream().write(new byte[] {0x17, 0x03, 0x03, 0x00, 0x40, 1, 2, 3, 4, 5});
                raw.shutdownOutput();
                log.await("end", 1);
                log.await("close:", 1);
            }
            assertStillServing(port);
        }
        assertEquals("close:NORMAL:null", log.first("close:"), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    /** Completes a TLS client handshake over {@code raw} with the JDK's SSLEngine, so raw records can follow. */
    private static void handshake(Socket raw, int port) throws Exception {
        SSLEngine engine = TlsSupport.jdkContext(null).createSSLEngine("localhost", port);
        engine.setUseClientMode(true);
        engine.beginHandshake();
        int size = engine.getSession().getPacketBufferSize();
        ByteBuffer netIn = ByteBuffer.allocate(size * 2);
        ByteBuffer netOut = ByteBuffer.allocate(size);
        ByteBuffer appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        OutputStream out = raw.getOutputStream();
        InputStream in = raw.getInputStream();
        byte[] chunk = new byte[size];
        for (int steps = 0; steps < 1000; steps++) {
            SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
            switch (status) {
                case NEED_WRAP -> {
                    netOut.clear();
                    engine.wrap(ByteBuffer.allocate(0), netOut);
                    out.write(netOut.array(), 0, netOut.flip().remaining());
                }
                case NEED_UNWRAP -> {
                    netIn.flip();
                    SSLEngineResult r = engine.unwrap(netIn, appIn);
                    netIn.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        int n = in.read(chunk);
                        if (n < 0) {
                            throw new IOException("the server closed during the handshake");
                        }
                        netIn.put(chunk, 0, n);
                    }
                }
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                default -> {
                    return;
                }
            }
        }
        throw new AssertionError("the handshake did not finish in 1000 steps");
    }
}
