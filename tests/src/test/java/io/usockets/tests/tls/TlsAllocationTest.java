package io.usockets.tests.tls;

import io.usockets.ListenSocket;
import io.usockets.SocketContext;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steady-state TLS path allocates nothing on the loop thread: decrypting into the loop's plaintext buffer,
 * onData, sealing the echo into the loop's ciphertext buffer and writing it. Measured with the loop thread's
 * allocated-bytes counter around a burst of echo round trips with the JDK's TLS client, after warm-up.
 */
class TlsAllocationTest {

    private static final int WARM_UP = 20_000;
    private static final int ROUND_TRIPS = 20_000;
    private static final long BUDGET_BYTES = 1024;

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void tlsEchoRoundTripsAllocateNothingOnTheLoopThread(String backend) throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TestLoop tl = TestLoop.start(backend)) {
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext(TlsSupport.serverOptions());
                ctx.onData((s, data) -> s.write(data, false));
                return ctx.listen("127.0.0.1", 0);
            });
            long loopThread = tl.thread().getId();
            try (SSLSocket peer = (SSLSocket) TlsSupport.jdkContext(null).getSocketFactory()
                    .createSocket("127.0.0.1", ls.port())) {
                peer.setTcpNoDelay(true);
                peer.setSoTimeout((int) TestLoop.WAIT.toMillis());
                OutputStream out = peer.getOutputStream();
                InputStream in = peer.getInputStream();
                byte[] message = "0123456789abcdef".getBytes();
                byte[] reply = new byte[message.length];
                echo(out, in, message, reply, WARM_UP);
                long before = threads.getThreadAllocatedBytes(loopThread);
                long start = System.nanoTime();
                echo(out, in, message, reply, ROUND_TRIPS);
                long elapsed = System.nanoTime() - start;
                long allocated = threads.getThreadAllocatedBytes(loopThread) - before;
                System.out.printf("[%s] TLS: loop thread allocated %d bytes over %d echo round trips"
                        + " (%.1f us per round trip with the JDK client)%n", backend, allocated, ROUND_TRIPS,
                        elapsed / 1000.0 / ROUND_TRIPS);
                assertTrue(allocated < BUDGET_BYTES, "the loop thread allocated " + allocated + " bytes over "
                        + ROUND_TRIPS + " TLS round trips; expected under " + BUDGET_BYTES);
            }
        }
    }

    private static void echo(OutputStream out, InputStream in, byte[] message, byte[] reply, int times)
            throws Exception {
        for (int i = 0; i < times; i++) {
            message[15] = (byte) i;
            out.write(message);
            out.flush();
            int got = 0;
            while (got < reply.length) {
                int n = in.read(reply, got, reply.length - got);
                assertTrue(n > 0, "connection ended");
                got += n;
            }
            assertEquals(message[15], reply[15]);
        }
    }
}
