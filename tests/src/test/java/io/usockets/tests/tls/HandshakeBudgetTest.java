package io.usockets.tests.tls;

import io.usockets.Loop;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Tls;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/RULES.md I10 under a flood: 500 TLS clients (on a second loop) handshake at once with a server whose loop also
 * carries an open TLS connection playing ping-pong. Counted in loop iterations, never time: the server loop reads
 * at most 5 handshaking sockets per iteration (the rest wait in the low-priority LIFO), and every ping or pong is
 * read in the very next iteration after it was written — the open connection is served in every iteration where it
 * has data.
 */
class HandshakeBudgetTest {

    private static final int FLOOD = 500;
    private static final int BUDGET = HandshakeReads.BUDGET;

    /** Counters of the server loop, touched only on its thread. */
    private static final class Stats extends HandshakeReads {
        long pingWrittenAt;
        long pongWrittenAt;
        long maxLag;
        long roundTripsDuringFlood;
        long roundTrips;
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aHandshakeFloodDoesNotStarveAnOpenConnection(String backend) {
        long sslBaseline = Tls.liveSslObjects();
        Stats stats = new Stats();
        AtomicInteger floodOpened = new AtomicInteger();
        AtomicInteger floodFailed = new AtomicInteger();
        AtomicLong finalRoundTrips = new AtomicLong();
        // The flood loop is made first and closed last, so each loop's leak gate sees only its own descriptors.
        try (TestLoop flood = TestLoop.start(backend);
             TestLoop server = TestLoop.start(backend, b -> b.onPre(HandshakeReads::sample))) {
            server.run(() -> server.loop().setExt(stats));
            int port = server.call(() -> {
                SocketContext<Void, Void> ctx = server.loop().createSocketContext(TlsSupport.serverOptions());
                ctx.onData((s, data) -> {
                    Stats st = server.loop().ext();
                    st.maxLag = Math.max(st.maxLag, server.loop().iterationNumber() - st.pingWrittenAt);
                    s.write(data);
                    st.pongWrittenAt = server.loop().iterationNumber();
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            // The open connection: a us_* TLS client on the server's loop, ping-ponging one byte for as long as the
            // flood lasts.
            server.run(() -> {
                SocketContext<Void, Void> client = server.loop().createSocketContext(SocketContextOptions.tlsClient());
                client.onOpen((s, isClient) -> ping(s, server.loop()))
                        .onData((s, data) -> {
                            Stats st = server.loop().ext();
                            st.maxLag = Math.max(st.maxLag, server.loop().iterationNumber() - st.pongWrittenAt);
                            st.roundTrips++;
                            if (floodOpened.get() + floodFailed.get() < FLOOD) {
                                if (floodOpened.get() > 0) {
                                    st.roundTripsDuringFlood++;
                                }
                                ping(s, server.loop());
                            } else {
                                finalRoundTrips.set(st.roundTrips);
                                s.close();
                            }
                        });
                client.connect("127.0.0.1", port);
            });
            // The flood starts once the open connection is past its own handshake and ping-ponging.
            long waitUntil = System.nanoTime() + TestLoop.WAIT.toNanos();
            while (server.call(() -> stats.roundTrips) < 3 && System.nanoTime() < waitUntil) {
                TlsSupport.sleep(1);
            }
            flood.run(() -> {
                SocketContext<Void, Void> clients = flood.loop().createSocketContext(SocketContextOptions.tlsClient());
                clients.onOpen((s, isClient) -> {
                    floodOpened.incrementAndGet();
                    s.close();
                }).onConnectError((s, code, reason) -> floodFailed.incrementAndGet());
                for (int i = 0; i < FLOOD; i++) {
                    clients.connect("127.0.0.1", port);
                }
            });
            long deadline = System.nanoTime() + TestLoop.WAIT.toNanos() * 3;
            while (finalRoundTrips.get() == 0 && System.nanoTime() < deadline) {
                TlsSupport.sleep(5);
            }
        }
        System.out.printf("[%s] %d handshakes: at most %d handshake reads per iteration (%d iterations at the budget),"
                + " %d ping-pongs during the flood, largest lag %d iteration(s)%n", backend, floodOpened.get(),
                stats.maxReadsPerIteration, stats.iterationsAtBudget, stats.roundTripsDuringFlood, stats.maxLag);
        assertEquals(FLOOD, floodOpened.get(), "flood handshakes completed (" + floodFailed.get() + " failed)");
        assertTrue(finalRoundTrips.get() > 0, "the ping-pong ended with the flood");
        assertTrue(stats.maxReadsPerIteration <= BUDGET, "handshake reads in one iteration: "
                + stats.maxReadsPerIteration + "; the budget is " + BUDGET);
        assertTrue(stats.iterationsAtBudget > 0, "the flood never filled the budget, so it tested nothing");
        assertTrue(stats.roundTripsDuringFlood >= 10, "ping-pongs while the flood was handshaking: "
                + stats.roundTripsDuringFlood);
        assertEquals(1, stats.maxLag, "iterations between a write and the peer's read of it on the open connection");
        TlsSupport.assertNoLiveSsl(sslBaseline);
    }

    private static void ping(Socket<Void> s, Loop loop) {
        Stats st = loop.ext();
        s.write(ByteBuffer.wrap(new byte[] {'p'}));
        st.pingWrittenAt = loop.iterationNumber();
    }
}
