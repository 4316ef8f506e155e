package io.usockets.core;

import io.usockets.ListenSocket;
import io.usockets.SocketContext;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * White-box test of the core's low-priority queue (docs/RULES.md I10) with a test-only hook standing in for the TLS
 * handshake: a socket is low priority until its first read. It lives here, not in core/src/test, because the core
 * cannot depend on a backend; it runs on every backend.
 */
class LowPriorityQueueTest {

    private static final int FLOOD = 40;

    // The regular connection's reads are recorded too, though not asserted per iteration: a blocking peer cannot
    // guarantee it has data in flight in every iteration of the flood.

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void lowPriorityReadsAreBudgetedPerIterationWhileOthersAreServed(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            Map<Long, Integer> lowReadsPerIteration = new ConcurrentHashMap<>();
            List<Long> servedIterations = new ArrayList<>();
            CountDownLatch allServed = new CountDownLatch(FLOOD);
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, String> ctx = tl.loop().createSocketContext();
                ((CoreContext<?, ?>) ctx).setLowPriority(s -> s.ext() == null);
                ctx.onData((s, data) -> {
                    long iteration = tl.loop().iterationNumber();
                    if (s.ext() == null && data.get(0) == 'r') {
                        s.setExt("regular");
                    } else if (s.ext() == null) {
                        lowReadsPerIteration.merge(iteration, 1, Integer::sum);
                        s.setExt("served");
                        allServed.countDown();
                    } else if ("regular".equals(s.ext())) {
                        servedIterations.add(iteration);
                    }
                    s.write(data);
                });
                return ctx.listen("127.0.0.1", 0);
            });
            int port = ls.port();
            // One regular (already "handshaken") connection: mark it by its first byte before the flood.
            try (Socket regular = new Socket("127.0.0.1", port)) {
                regular.setSoTimeout((int) TestLoop.WAIT.toMillis());
                OutputStream regularOut = regular.getOutputStream();
                InputStream regularIn = regular.getInputStream();
                regularOut.write('r');
                assertEquals('r', regularIn.read());
                List<Socket> flood = new ArrayList<>();
                try {
                    for (int i = 0; i < FLOOD; i++) {
                        Socket c = new Socket("127.0.0.1", port);
                        c.setSoTimeout((int) TestLoop.WAIT.toMillis());
                        flood.add(c);
                    }
                    for (Socket c : flood) {
                        c.getOutputStream().write('h');
                    }
                    // Keep the regular connection busy during the flood.
                    int echoed = 0;
                    while (allServed.getCount() > 0 && echoed < 10_000) {
                        regularOut.write('x');
                        assertEquals('x', regularIn.read());
                        echoed++;
                    }
                    TestLoop.await(allServed);
                    for (Socket c : flood) {
                        assertEquals('h', c.getInputStream().read());
                    }
                } finally {
                    for (Socket c : flood) {
                        c.close();
                    }
                }
            }
            int max = 0;
            for (int n : lowReadsPerIteration.values()) {
                max = Math.max(max, n);
            }
            assertTrue(max <= CoreLoop.LOW_PRIORITY_BUDGET,
                    "at most " + CoreLoop.LOW_PRIORITY_BUDGET + " low-priority reads per iteration, saw " + max
                            + " in " + new HashMap<>(lowReadsPerIteration));
            assertEquals(FLOOD, lowReadsPerIteration.values().stream().mapToInt(Integer::intValue).sum());
        }
    }
}
