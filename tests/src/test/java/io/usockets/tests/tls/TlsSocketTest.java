package io.usockets.tests.tls;

import io.usockets.CloseCode;
import io.usockets.NativeHandle;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Certificates;
import io.usockets.ssl.Tls;
import io.usockets.tests.EventLog;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The socket API on TLS, us_* client against us_* server on one loop: open after the handshake, plaintext data,
 * backpressure, close_notify and FIN, child contexts and adoption, closing inside callbacks, the handshake timeout,
 * peer verification (server chain, host name, mTLS) and the native handles. Every case ends with the loop's leak
 * gate and all native SSL objects freed.
 */
class TlsSocketTest {

    private static SocketContextOptions serverOptions() {
        return TlsSupport.serverOptions().withAlpnProtocols("h2", "http/1.1");
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void clientAndServerOpenAfterTheHandshakeEchoAndShutDownWithCloseNotify(String backend) {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            tl.run(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(serverOptions());
                server.onOpen((s, client) -> log.add("server-open:" + client + ":" + s.isEstablished() + ":"
                                + s.alpnProtocol()))
                        .onData((s, data) -> s.write(data))
                        .onEnd(s -> {
                            log.add("server-end");
                            s.shutdown();
                        })
                        .onClose((s, code, reason) -> log.add("server-close:" + code));
                int port = server.listen(null, 0).port();
                SocketContext<Void, Void> client = tl.loop().createSocketContext(
                        TlsSupport.verifyingClientOptions().withAlpnProtocols("http/1.1"));
                StringBuilder received = new StringBuilder();
                client.onOpen((s, isClient) -> {
                    NativeHandle handle = s.nativeHandle();
                    log.add("client-open:" + isClient + ":" + s.isEstablished() + ":" + s.isTls() + ":"
                            + s.alpnProtocol() + ":" + (handle.tls() != null) + ":" + Tls.protocol(s));
                    s.write(ByteBuffer.wrap("ping over tls".getBytes(StandardCharsets.US_ASCII)));
                }).onData((s, data) -> {
                    received.append(StandardCharsets.US_ASCII.decode(data));
                    if (received.length() == "ping over tls".length()) {
                        log.add("client-data:" + received);
                        s.shutdown();
                        log.add("client-shut:" + s.isShutDown());
                    }
                }).onConnectError((s, code, reason) -> log.add("client-error:" + code + ":" + reason))
                        .onClose((s, code, reason) -> log.add("client-close:" + code));
                Socket<Void> connecting = client.connect("localhost", port);
                log.add("connecting:" + connecting.isTls() + ":" + connecting.isEstablished() + ":"
                        + connecting.write(ByteBuffer.wrap(new byte[] {1})));
                assertNotNull(client.nativeHandle(), "a TLS context's native handle");
            });
            log.await("client-close:", 1);
            log.await("server-close:", 1);
        }
        assertEquals("connecting:true:false:0", log.first("connecting:"), log.toString());
        assertEquals("server-open:false:true:http/1.1", log.first("server-open:"), log.toString());
        assertEquals("client-open:true:true:true:http/1.1:true:TLSv1.3", log.first("client-open:"), log.toString());
        assertEquals("client-data:ping over tls", log.first("client-data:"), log.toString());
        assertEquals("client-shut:true", log.first("client-shut:"), log.toString());
        assertEquals(1, log.count("server-end"), log.toString());
        assertEquals("server-close:NORMAL", log.first("server-close:"), log.toString());
        assertEquals("client-close:NORMAL", log.first("client-close:"), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    /** State of the bulk sender, confined to the loop thread. */
    private static final class Bulk {
        long sent;
        int writable;
        int shortWrites;
    }

    private static final long BULK = 16L * 1024 * 1024;

    private static void pump(Socket<Bulk> s) {
        Bulk b = s.ext();
        byte[] chunk = new byte[64 * 1024];
        while (b.sent < BULK) {
            int n = (int) Math.min(chunk.length, BULK - b.sent);
            for (int i = 0; i < n; i++) {
                chunk[i] = (byte) (b.sent + i);
            }
            int taken = s.write(chunk, 0, n, false);
            b.sent += taken;
            if (taken < n) {
                b.shortWrites++;
                return;
            }
        }
        s.shutdown();
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void bulkTransferHonoursShortWritesAndOnWritable(String backend) {
        long sslBaseline = Tls.liveSslObjects();
        AtomicLong received = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicReference<Bulk> state = new AtomicReference<>();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            tl.run(() -> {
                SocketContext<Void, Bulk> server = tl.loop().createSocketContext(serverOptions());
                server.onOpen((s, client) -> {
                    Bulk b = new Bulk();
                    state.set(b);
                    s.setExt(b);
                    pump(s);
                }).onWritable(s -> {
                    s.ext().writable++;
                    pump(s);
                }).onClose((s, code, reason) -> log.add("server-close:" + code));
                int port = server.listen("127.0.0.1", 0).port();
                SocketContext<Void, Void> client = tl.loop().createSocketContext(TlsSupport.verifyingClientOptions());
                client.onData((s, data) -> {
                    long at = received.get();
                    while (data.hasRemaining()) {
                        if (data.get() != (byte) at) {
                            mismatches.incrementAndGet();
                        }
                        at++;
                    }
                    received.set(at);
                }).onEnd(s -> {
                    log.add("client-end");
                    s.shutdown();
                }).onClose((s, code, reason) -> log.add("client-close:" + code));
                client.connect("127.0.0.1", port);
            });
            log.await("client-close:", 1);
            log.await("server-close:", 1);
        }
        Bulk b = state.get();
        assertEquals(BULK, received.get(), "plaintext bytes received");
        assertEquals(0, mismatches.get(), "bytes out of order or corrupted");
        assertTrue(b.shortWrites > 0, "a 16 MiB write on loopback must be short at least once");
        assertTrue(b.writable >= b.shortWrites, "onWritable after each short write: " + b.writable + " for "
                + b.shortWrites);
        assertEquals(1, log.count("client-end"), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void childContextsShareTheTlsStateAndAdoptionKeepsTheConnection(String backend) {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            tl.run(() -> {
                SocketContext<Void, String> server = tl.loop().createSocketContext(serverOptions());
                SocketContext<Void, String> child = server.createChild();
                log.add("child-tls:" + child.isTls());
                child.onData((s, data) -> {
                    String text = StandardCharsets.US_ASCII.decode(data).toString();
                    s.write(ByteBuffer.wrap((s.ext() + ":" + text).getBytes(StandardCharsets.US_ASCII)));
                }).onClose((s, code, reason) -> log.add("child-close:" + code));
                server.onData((s, data) -> {
                    // The first message upgrades the connection, as an HTTP server hands a socket to WebSocket code.
                    Socket<String> moved = child.adopt(s, "adopted");
                    log.add("adopted:" + (moved == s) + ":" + moved.isTls() + ":" + (moved.context() == child));
                    moved.write(ByteBuffer.wrap("upgraded".getBytes(StandardCharsets.US_ASCII)));
                });
                int port = server.listen("127.0.0.1", 0).port();
                // A child of a client context connects with the parent's TLS settings.
                SocketContext<Void, Void> clientParent = tl.loop().createSocketContext(
                        TlsSupport.verifyingClientOptions());
                SocketContext<Void, Void> client = clientParent.createChild();
                StringBuilder got = new StringBuilder();
                client.onOpen((s, isClient) -> s.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII))))
                        .onData((s, data) -> {
                            got.append(StandardCharsets.US_ASCII.decode(data));
                            if (got.toString().equals("upgraded")) {
                                s.write(ByteBuffer.wrap("again".getBytes(StandardCharsets.US_ASCII)));
                            } else if (got.toString().equals("upgradedadopted:again")) {
                                log.add("client-got:" + got);
                                s.close();
                            }
                        });
                client.connect("127.0.0.1", port);
            });
            log.await("child-close:", 1);
        }
        assertEquals("child-tls:true", log.first("child-tls:"));
        assertEquals("adopted:true:true:true", log.first("adopted:"), log.toString());
        assertEquals("client-got:upgradedadopted:again", log.first("client-got:"), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void closingInsideOnOpenOnDataAndOnWritableIsSafe(String backend) {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            tl.run(() -> {
                SocketContext<Void, String> server = tl.loop().createSocketContext(serverOptions());
                server.onData((s, data) -> {
                    String text = StandardCharsets.US_ASCII.decode(data).toString();
                    if (text.startsWith("close-in-data")) {
                        s.close();
                        log.add("server-after-close:" + s.isClosed() + ":" + s.write(ByteBuffer.allocate(3)));
                    } else if (text.startsWith("close-in-writable")) {
                        s.setExt("writable");
                        byte[] big = new byte[8 * 1024 * 1024];
                        s.write(big, 0, big.length, false);
                    }
                }).onWritable(s -> {
                    if ("writable".equals(s.ext())) {
                        s.close();
                        log.add("server-closed-in-writable");
                    }
                }).onClose((s, code, reason) -> log.add("server-close:" + code));
                int port = server.listen("127.0.0.1", 0).port();
                SocketContext<Void, String> client = tl.loop().createSocketContext(SocketContextOptions.tlsClient());
                client.onOpen((s, isClient) -> {
                    if ("close-in-open".equals(s.ext())) {
                        s.close();
                    } else {
                        s.write(ByteBuffer.wrap(s.ext().getBytes(StandardCharsets.US_ASCII)));
                        if ("close-in-writable".equals(s.ext())) {
                            // Stop reading for a moment so the server's 8 MiB write is short, then drain it so
                            // onWritable follows.
                            s.pauseReading();
                            io.usockets.Timer<Void> resume = tl.loop().createTimer(true);
                            resume.set(t -> {
                                t.close();
                                s.resumeReading();
                            }, 50, 0);
                        }
                    }
                }).onClose((s, code, reason) -> log.add("client-close:" + s.ext() + ":" + code));
                client.connect("127.0.0.1", port).setExt("close-in-open");
                client.connect("127.0.0.1", port).setExt("close-in-data");
                client.connect("127.0.0.1", port).setExt("close-in-writable");
            });
            log.await("client-close:close-in-open:", 1);
            log.await("server-after-close:", 1);
            log.await("server-closed-in-writable", 1);
            log.await("server-close:", 3);
        }
        assertEquals("client-close:close-in-open:NORMAL", log.first("client-close:close-in-open:"), log.toString());
        assertEquals("server-after-close:true:0", log.first("server-after-close:"), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aStalledHandshakeIsClosedByTheHandshakeTimeout(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = tl.call(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(
                        TlsSupport.serverOptions().withHandshakeTimeout(1));
                server.onOpen((s, client) -> log.add("open"))
                        .onClose((s, code, reason) -> log.add("close:" + code + ":" + reason));
                return server.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket silent = new java.net.Socket("127.0.0.1", port)) {
                silent.setSoTimeout((int) TestLoop.WAIT.toMillis());
                InputStream in = silent.getInputStream();
                assertEquals(-1, in.read(), "the server closes a client that never says hello");
            }
            log.await("close:", 1);
        }
        assertEquals(0, log.count("open"), log.toString());
        assertTrue(log.first("close:").startsWith("close:TIMED_OUT:the TLS handshake did not complete"),
                log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void peerVerificationFailuresCloseWithTheirCodes(String backend) {
        long sslBaseline = Tls.liveSslObjects();
        Certificates.Issued wrongHost = Certificates.issue(TlsSupport.CA, "other.test", "other.test");
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            tl.run(() -> {
                int untrustedPort = server(tl, SocketContextOptions.tlsFromPem(
                        TlsSupport.UNTRUSTED_SERVER.certificatePem(), TlsSupport.UNTRUSTED_SERVER.privateKeyPem()),
                        "untrusted", log);
                int wrongHostPort = server(tl, SocketContextOptions.tlsFromPem(wrongHost.certificatePem(),
                        wrongHost.privateKeyPem()), "wrong-host", log);
                int mtlsPort = server(tl, TlsSupport.serverOptions().withCaPem(TlsSupport.CA.certificatePem()),
                        "mtls", log);
                client(tl, TlsSupport.verifyingClientOptions(), "untrusted", untrustedPort, log);
                client(tl, TlsSupport.verifyingClientOptions(), "wrong-host", wrongHostPort, log);
                client(tl, TlsSupport.verifyingClientOptions(), "mtls-without-cert", mtlsPort, log);
                client(tl, SocketContextOptions.tlsFromPem(TlsSupport.CLIENT.certificatePem(),
                        TlsSupport.CLIENT.privateKeyPem()).withCaPem(TlsSupport.CA.certificatePem()),
                        "mtls-with-cert", mtlsPort, log);
            });
            log.await("client-error:untrusted:", 1);
            log.await("client-error:wrong-host:", 1);
            log.await("server-close:mtls:TLS_VERIFY_FAILED", 1);
            log.await("client-open:mtls-with-cert", 1);
            log.await("server-open:mtls", 1);
        }
        String untrusted = log.first("client-error:untrusted:");
        assertTrue(untrusted.startsWith("client-error:untrusted:TLS_VERIFY_FAILED:TLS peer verification failed:"),
                log.toString());
        String host = log.first("client-error:wrong-host:");
        assertTrue(host.startsWith("client-error:wrong-host:TLS_VERIFY_FAILED:") && host.contains("'localhost'"),
                log.toString());
        assertEquals(0, log.count("client-open:untrusted"), log.toString());
        assertEquals(0, log.count("server-open:untrusted"), log.toString());
        assertEquals(1, log.count("server-open:mtls"), "only the client with a certificate opens: " + log);
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    private static int server(TestLoop tl, SocketContextOptions options, String name, EventLog log) {
        SocketContext<Void, Void> server = tl.loop().createSocketContext(options);
        server.onOpen((s, client) -> log.add("server-open:" + name))
                .onClose((s, code, reason) -> log.add("server-close:" + name + ":" + code + ":" + reason));
        return server.listen("127.0.0.1", 0).port();
    }

    private static void client(TestLoop tl, SocketContextOptions options, String name, int port, EventLog log) {
        SocketContext<Void, Void> client = tl.loop().createSocketContext(options);
        client.onOpen((s, isClient) -> log.add("client-open:" + name))
                .onData((s, data) -> log.add("client-data:" + name))
                .onConnectError((s, code, reason) -> log.add("client-error:" + name + ":" + code + ":" + reason))
                .onClose((s, code, reason) -> log.add("client-close:" + name + ":" + code));
        client.connect("localhost", port);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void serverNamesAreMatchedAndReportedOnTheSocket(String backend) {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            tl.run(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(TlsSupport.serverOptions());
                server.addServerName("LOCALHOST", TlsSupport.serverOptions(), "local-data");
                server.addServerName("*.wild.test", null, "wild-data");
                log.add("find:" + server.findServerNameUserData("localhost") + ":"
                        + server.findServerNameUserData("*.wild.test") + ":"
                        + server.findServerNameUserData("unknown.test"));
                server.onOpen((s, client) -> log.add("server-open:" + s.serverNameUserData()));
                int port = server.listen(null, 0).port();
                SocketContext<Void, Void> client = tl.loop().createSocketContext(TlsSupport.verifyingClientOptions());
                client.onOpen((s, isClient) -> {
                    log.add("client-open:" + s.serverNameUserData());
                    s.close();
                });
                client.connect("localhost", port);
            });
            log.await("server-open:", 1);
            log.await("client-open:", 1);
            tl.run(() -> {
                SocketContext<Void, Void> plain = tl.loop().createSocketContext();
                try {
                    plain.addServerName("x.test", null, null);
                    log.add("plain:no-throw");
                } catch (IllegalStateException e) {
                    log.add("plain:" + e.getMessage());
                }
            });
        }
        assertEquals("find:local-data:wild-data:null", log.first("find:"));
        assertEquals("server-open:local-data", log.first("server-open:"), log.toString());
        assertEquals("client-open:null", log.first("client-open:"), log.toString());
        assertTrue(log.first("plain:").contains("needs a TLS socket context"), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aPeerThatClosesMidHandshakeFailsTheHandshakeOnce(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        AtomicInteger closes = new AtomicInteger();
        AtomicReference<CloseCode> code = new AtomicReference<>();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = tl.call(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(TlsSupport.serverOptions());
                server.onClose((s, c, reason) -> {
                    code.set(c);
                    closes.incrementAndGet();
                });
                return server.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket peer = new java.net.Socket("127.0.0.1", port)) {
                // A record header announcing a 512-byte ClientHello, then only part of it, then FIN.
                peer.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00});
                peer.shutdownOutput();
                peer.setSoTimeout((int) TestLoop.WAIT.toMillis());
                assertEquals(-1, peer.getInputStream().read());
            }
            long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
            while (closes.get() == 0 && System.nanoTime() < deadline) {
                TlsSupport.sleep(2);
            }
        }
        assertEquals(1, closes.get());
        assertEquals(CloseCode.TLS_HANDSHAKE_FAILED, code.get());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    /**
     * A TLS client's connect completes with its handshake: reset by the peer during it, or closed by the application
     * during it, the socket ends in onConnectError, never onClose (a finding of the scripted-kernel fuzzer).
     */
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aClientResetOrClosedDuringItsHandshakeEndsInOnConnectError(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        AtomicReference<SocketContext<Void, Void>> client = new AtomicReference<>();
        AtomicReference<Socket<Void>> handshaking = new AtomicReference<>();
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress()); TestLoop tl = TestLoop.start(backend)) {
            int port = listener.getLocalPort();
            tl.run(() -> {
                SocketContext<Void, Void> c = tl.loop().createSocketContext(TlsSupport.verifyingClientOptions());
                c.onOpen((s, isClient) -> log.add("open"))
                        .onClose((s, code, reason) -> log.add("close:" + code))
                        .onConnectError((s, code, reason) -> log.add("connect-error:" + code));
                client.set(c);
                c.connect("127.0.0.1", port);
            });
            try (java.net.Socket peer = listener.accept()) {
                peer.setSoTimeout((int) TestLoop.WAIT.toMillis());
                assertEquals(0x16, peer.getInputStream().read(), "a ClientHello record starts");
                peer.setSoLinger(true, 0); // the close below resets the connection
            }
            log.await("connect-error:", 1);
            tl.run(() -> handshaking.set(client.get().connect("127.0.0.1", port)));
            try (java.net.Socket peer = listener.accept()) {
                peer.setSoTimeout((int) TestLoop.WAIT.toMillis());
                assertEquals(0x16, peer.getInputStream().read(), "a ClientHello record starts");
                tl.run(() -> handshaking.get().close());
                log.await("connect-error:", 2);
            }
        }
        assertEquals(2, log.count("connect-error:"), log.toString());
        assertEquals(0, log.count("close:") + log.count("open"), log.toString());
        assertEquals("connect-error:NORMAL", log.snapshot().get(1), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void pausingInsideOnDataHoldsBackTheRestOfABigReadUntilResumed(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        int total = 4 * 1024 * 1024;
        AtomicInteger calls = new AtomicInteger();
        AtomicLong received = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicReference<Socket<Void>> serverSocket = new AtomicReference<>();
        try (TestLoop tl = TestLoop.start(backend)) {
            tl.run(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(serverOptions());
                server.onOpen((s, client) -> serverSocket.set(s)).onData((s, data) -> {
                    long at = received.get();
                    while (data.hasRemaining()) {
                        if (data.get() != (byte) (at * 7)) {
                            mismatches.incrementAndGet();
                        }
                        at++;
                    }
                    received.set(at);
                    if (calls.incrementAndGet() == 1) {
                        s.pauseReading();
                    }
                });
                int port = server.listen("127.0.0.1", 0).port();
                SocketContext<Void, Void> client = tl.loop().createSocketContext(SocketContextOptions.tlsClient());
                client.onOpen((s, isClient) -> {
                    byte[] all = new byte[total];
                    for (int i = 0; i < total; i++) {
                        all[i] = (byte) (i * 7);
                    }
                    int[] sent = {s.write(all, 0, total, false)};
                    s.setExt(null);
                    client.onWritable(w -> sent[0] += w.write(all, sent[0], total - sent[0], false));
                });
                client.connect("127.0.0.1", port);
            });
            long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
            while (calls.get() == 0 && System.nanoTime() < deadline) {
                TlsSupport.sleep(2);
            }
            for (int i = 0; i < 20; i++) {
                tl.run(() -> { });
            }
            long atPause = received.get();
            assertEquals(1, calls.get(), "onData calls while paused");
            assertTrue(atPause > 0 && atPause < total, "bytes before the pause: " + atPause);
            tl.run(() -> serverSocket.get().resumeReading());
            while (received.get() < total && System.nanoTime() < deadline) {
                TlsSupport.sleep(2);
            }
        }
        assertEquals(total, received.get(), "bytes after resuming");
        assertEquals(0, mismatches.get(), "bytes out of order");
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }
}
