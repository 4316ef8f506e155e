package io.usockets.tests.tls;

import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Certificates;
import io.usockets.ssl.Tls;
import io.usockets.tests.EventLog;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SNI seen from the JDK's client: exact and wildcard patterns choose the certificate and the socket's user data,
 * on_server_name adds an unknown name during the handshake, a removed name falls back to the default certificate;
 * and server-side session resumption (tickets on TLS 1.3, tickets or the session cache on TLS 1.2).
 */
class SniAndSessionTest {

    private static SocketContextOptions optionsFor(Certificates.Issued cert) {
        return SocketContextOptions.tlsFromPem(cert.certificatePem(), cert.privateKeyPem());
    }

    /** Connects with {@code sni}, exchanges a byte, and returns the subject the server presented. */
    private static String subjectFor(SSLContext context, int port, String sni) throws Exception {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout((int) TestLoop.WAIT.toMillis());
            SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(params);
            socket.getOutputStream().write(1);
            if (socket.getInputStream().read() != 1) {
                throw new AssertionError("no echo");
            }
            X509Certificate peer = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return peer.getSubjectX500Principal().getName();
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void serverNamesChooseCertificatesAndUserData(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        Certificates.Issued wild = Certificates.issue(TlsSupport.CA, "*.wild.test", "*.wild.test");
        Certificates.Issued exact = Certificates.issue(TlsSupport.CA, "exact.test", "exact.test");
        Certificates.Issued dynamic = Certificates.issue(TlsSupport.CA, "dynamic.test", "dynamic.test");
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = tl.call(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(TlsSupport.serverOptions());
                server.addServerName("*.wild.test", optionsFor(wild), "wild-data");
                server.addServerName("exact.test", optionsFor(exact), "exact-data");
                server.addServerName("gone.test", optionsFor(exact), "gone-data");
                server.removeServerName("gone.test");
                server.onServerName((context, hostname) -> {
                    log.add("asked:" + hostname);
                    if (hostname.equals("dynamic.test")) {
                        context.addServerName(hostname, optionsFor(dynamic), "dynamic-data");
                    }
                });
                server.onOpen((s, client) -> log.add("open:" + s.serverNameUserData()))
                        .onData((s, data) -> s.write(data));
                return server.listen("127.0.0.1", 0).port();
            });
            // A fresh JDK context per connection: the JDK resumes sessions per host and port, whatever the SNI.
            assertEquals("CN=*.wild.test", subjectFor(TlsSupport.jdkContext(null), port, "a.wild.test"));
            assertEquals("CN=exact.test", subjectFor(TlsSupport.jdkContext(null), port, "exact.test"));
            assertEquals("CN=localhost", subjectFor(TlsSupport.jdkContext(null), port, "b.c.wild.test"));
            assertEquals("CN=localhost", subjectFor(TlsSupport.jdkContext(null), port, "gone.test"));
            assertEquals("CN=dynamic.test", subjectFor(TlsSupport.jdkContext(null), port, "dynamic.test"));
            // A resumed session skips the certificate choice; its socket still gets the name's user data.
            SSLContext resuming = TlsSupport.jdkContext(null);
            assertEquals("CN=dynamic.test", subjectFor(resuming, port, "dynamic.test"));
            assertEquals("CN=dynamic.test", subjectFor(resuming, port, "dynamic.test"));
            log.await("open:", 7);
        }
        assertEquals(List.of("open:wild-data", "open:exact-data", "asked:b.c.wild.test", "open:null",
                "asked:gone.test", "open:null", "asked:dynamic.test", "open:dynamic-data", "open:dynamic-data",
                "open:dynamic-data"), log.snapshot());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aSecondConnectionResumesTheSession(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = tl.call(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(TlsSupport.serverOptions());
                server.onOpen((s, client) -> log.add(Tls.protocol(s) + ":" + Tls.sessionReused(s)))
                        .onData((s, data) -> s.write(data));
                return server.listen("127.0.0.1", 0).port();
            });
            for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
                SSLContext jdk = TlsSupport.jdkContext(null);
                for (int i = 0; i < 2; i++) {
                    try (SSLSocket socket = (SSLSocket) jdk.getSocketFactory().createSocket("localhost", port)) {
                        socket.setSoTimeout((int) TestLoop.WAIT.toMillis());
                        socket.setEnabledProtocols(new String[] {protocol});
                        socket.getOutputStream().write(1);
                        assertEquals(1, socket.getInputStream().read());
                    }
                }
            }
            log.await("TLSv1.2:", 2);
        }
        assertEquals(List.of("TLSv1.3:false", "TLSv1.3:true", "TLSv1.2:false", "TLSv1.2:true"), log.snapshot());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aThrowingServerNameHandlerFailsThatHandshakeWithCallbackFailed(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = tl.call(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(TlsSupport.serverOptions());
                server.onServerName((context, hostname) -> {
                    throw new IllegalStateException("no names today: " + hostname);
                });
                server.onOpen((s, client) -> log.add("open"))
                        .onData((s, data) -> s.write(data))
                        .onClose((s, code, reason) -> log.add("close:" + code + ":" + reason));
                return server.listen("127.0.0.1", 0).port();
            });
            try {
                subjectFor(TlsSupport.jdkContext(null), port, "thrown.test");
                log.add("client-succeeded");
            } catch (java.io.IOException expected) {
                log.add("client-failed");
            }
            log.await("close:", 1);
            // The loop goes on: a client without SNI is served.
            try (SSLSocket socket = (SSLSocket) TlsSupport.jdkContext(null).getSocketFactory()
                    .createSocket("127.0.0.1", port)) {
                socket.setSoTimeout((int) TestLoop.WAIT.toMillis());
                socket.getOutputStream().write(3);
                assertEquals(3, socket.getInputStream().read());
            }
        }
        assertEquals(1, log.count("client-failed"), "the JDK client's handshake fails with an IOException: " + log);
        assertEquals(0, log.count("client-succeeded"), "the JDK client got its echo: " + log);
        assertEquals("close:CALLBACK_FAILED:java.lang.IllegalStateException: no names today: thrown.test",
                log.first("close:"), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    /**
     * openssl s_client saves the session made under one server name and offers it again: under the same name it
     * resumes, under another name (another certificate, possibly another client-certificate rule) the handshake is
     * full, on TLS 1.3 (tickets) and TLS 1.2 (session ID and ticket).
     */
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aSessionResumesOnlyUnderTheServerNameItWasMadeUnder(String backend, @TempDir Path dir) throws Exception {
        TlsSupport.requireTool("openssl", "version");
        long sslBaseline = Tls.liveSslObjects();
        Certificates.Issued a = Certificates.issue(TlsSupport.CA, "a.test", "a.test");
        Certificates.Issued b = Certificates.issue(TlsSupport.CA, "b.test", "b.test");
        EventLog log = new EventLog();
        try (TestLoop tl = TestLoop.start(backend)) {
            int port = tl.call(() -> {
                SocketContext<Void, Void> server = tl.loop().createSocketContext(TlsSupport.serverOptions());
                server.addServerName("a.test", optionsFor(a), "a-data");
                server.addServerName("b.test", optionsFor(b), "b-data");
                server.onOpen((s, client) -> log.add("open:" + s.serverNameUserData() + ":" + Tls.sessionReused(s)))
                        .onData((s, data) -> {
                            s.write(data);
                            s.shutdown();
                        }).onEnd(s -> s.close())
                        .onClose((s, code, reason) -> log.add("close:" + code));
                return server.listen("127.0.0.1", 0).port();
            });
            int closes = 0;
            for (String protocol : new String[] {"-tls1_3", "-tls1_2"}) {
                Path session = dir.resolve("session" + protocol + ".pem");
                String made = sClient(port, protocol, "a.test", "-sess_out", session, log, ++closes);
                assertTrue(made.contains("New, "), protocol + ": " + made);
                assertTrue(Files.size(session) > 0, protocol + ": no session saved");
                String same = sClient(port, protocol, "a.test", "-sess_in", session, log, ++closes);
                assertTrue(same.contains("Reused, "), protocol + ", same name: " + same);
                String other = sClient(port, protocol, "b.test", "-sess_in", session, log, ++closes);
                assertTrue(other.contains("New, ") && !other.contains("Reused, "), protocol + ", other name: " + other);
                assertTrue(other.contains("CN=b.test") || other.contains("CN = b.test"), protocol + ": " + other);
            }
        }
        assertEquals(List.of("open:a-data:false", "open:a-data:true", "open:b-data:false",
                "open:a-data:false", "open:a-data:true", "open:b-data:false"), log.snapshot().stream().filter(e -> e.startsWith("open:")).toList(), log.toString());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    /** One openssl s_client run under {@code sni} with a session file option; returns its output. */
    private static String sClient(int port, String protocol, String sni, String sessionOption, Path session,
            EventLog log, int closes) throws Exception {
        String[] result = TlsSupport.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, protocol,
                "-servername", sni, sessionOption, session.toString()), "hello\n", () -> log.await("close:", closes));
        assertEquals("0", result[0], result[1]);
        assertTrue(result[1].contains("hello"), result[1]);
        return result[1];
    }
}
