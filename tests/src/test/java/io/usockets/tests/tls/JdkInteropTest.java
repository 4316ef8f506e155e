package io.usockets.tests.tls;

import io.usockets.ListenSocket;
import io.usockets.SocketContext;
import io.usockets.ssl.Tls;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A us_* TLS server against the JDK's own TLS client (SSLSocket). */
class JdkInteropTest {

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void echoesToAJdkSslSocketOverTls13And12(String backend) throws Exception {
        long sslBaseline = Tls.liveSslObjects();
        AtomicInteger opens = new AtomicInteger();
        AtomicInteger closes = new AtomicInteger();
        try (TestLoop tl = TestLoop.start(backend)) {
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext(TlsSupport.serverOptions());
                ctx.onOpen((s, client) -> opens.incrementAndGet())
                        .onData((s, data) -> s.write(data))
                        .onClose((s, code, reason) -> closes.incrementAndGet());
                return ctx.listen("127.0.0.1", 0);
            });
            for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
                try (SSLSocket socket = (SSLSocket) TlsSupport.jdkContext(null).getSocketFactory()
                        .createSocket("127.0.0.1", ls.port())) {
                    socket.setEnabledProtocols(new String[] {protocol});
                    socket.setSoTimeout((int) TestLoop.WAIT.toMillis());
                    OutputStream out = socket.getOutputStream();
                    InputStream in = socket.getInputStream();
                    for (int i = 0; i < 10; i++) {
                        byte[] message = ("hello " + i + " over " + protocol).getBytes(StandardCharsets.US_ASCII);
                        out.write(message);
                        out.flush();
                        assertEquals(new String(message, StandardCharsets.US_ASCII),
                                new String(in.readNBytes(message.length), StandardCharsets.US_ASCII));
                    }
                    assertEquals(protocol, socket.getSession().getProtocol());
                }
            }
        }
        assertEquals(2, opens.get(), "onOpen calls");
        assertTrue(closes.get() == 2, "onClose calls: " + closes.get());
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }
}
