package io.usockets.tests;

import io.usockets.ListenSocket;
import io.usockets.SocketContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steady-state read/write path allocates nothing on the loop thread (DESIGN.md), plain and TLS (decrypt,
 * onData, seal, write): the loop thread's allocated bytes are read around a burst of echo round trips after warm-up.
 */
class AllocationTest {

    private static final int WARM_UP = 20_000;
    private static final int ROUND_TRIPS = 20_000;
    private static final long BUDGET_BYTES = 1024;

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void echoRoundTripsAllocateNothingOnTheLoopThread(String backend, Mode mode) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TestLoop tl = TestLoop.start(backend)) {
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onData((s, data) -> s.write(data, false));
                return ctx.listen("127.0.0.1", 0);
            });
            long loopThread = tl.thread().getId();
            try (Socket peer = mode.connect(new java.net.InetSocketAddress("127.0.0.1", ls.port()), 0,
                    (int) TestLoop.WAIT.toMillis())) {
                OutputStream out = peer.getOutputStream();
                InputStream in = peer.getInputStream();
                byte[] message = "0123456789abcdef".getBytes();
                byte[] reply = new byte[message.length];
                echo(out, in, message, reply, WARM_UP);
                long before = threads.getThreadAllocatedBytes(loopThread);
                echo(out, in, message, reply, ROUND_TRIPS);
                long allocated = threads.getThreadAllocatedBytes(loopThread) - before;
                System.out.printf("[%s, %s] loop thread allocated %d bytes over %d echo round trips%n", backend, mode,
                        allocated, ROUND_TRIPS);
                assertTrue(allocated < BUDGET_BYTES, "the loop thread allocated " + allocated + " bytes over "
                        + ROUND_TRIPS + " round trips; expected under " + BUDGET_BYTES);
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
