package io.usockets.tests;

import io.usockets.ListenOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A thousand concurrent connections between two loops, each echoing its own message. */
class ManyConnectionsTest {

    private static final int CONNECTIONS = 1000;

    /** One client connection: the message it sends and what came back (loop-thread state). */
    private static final class Conn {
        final int index;
        final ByteBuffer toSend;
        final byte[] message;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean done;

        Conn(int index) {
            this.index = index;
            this.message = ("connection " + index + " says " + Integer.toHexString(index * 7919) + "\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            this.toSend = ByteBuffer.wrap(message);
        }
    }

    /** Writes what the socket takes now; the rest goes out from onWritable. */
    private static void pump(Socket<Conn> s) {
        s.write(s.ext().toSend);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void thousandConcurrentConnectionsEachEchoTheirOwnMessage(String backend, Mode mode) throws Exception {
        try (TestLoop server = TestLoop.start(backend); TestLoop client = TestLoop.start(backend)) {
            AtomicInteger serverOpens = new AtomicInteger();
            AtomicInteger serverCloses = new AtomicInteger();
            CountDownLatch serverClosedAll = new CountDownLatch(CONNECTIONS);
            SocketContext<Void, Void> serverContext = server.call(() -> mode.context(server.loop()));
            int port = server.call(() -> {
                SocketContext<Void, Void> ctx = serverContext;
                ctx.onOpen((s, isClient) -> serverOpens.incrementAndGet());
                ctx.onData((s, data) -> {
                    int wanted = data.remaining();
                    if (s.write(data) != wanted) {
                        s.close(io.usockets.CloseCode.OTHER, "short echo write in the test server");
                    }
                });
                ctx.onClose((s, code, reason) -> {
                    serverCloses.incrementAndGet();
                    serverClosedAll.countDown();
                });
                return ctx.listen("127.0.0.1", 0, ListenOptions.DEFAULT.withBacklog(CONNECTIONS)).port();
            });

            CountDownLatch allEchoed = new CountDownLatch(CONNECTIONS);
            List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicInteger clientCloses = new AtomicInteger();
            List<Socket<Conn>> sockets = new ArrayList<>(); // loop-thread state of the client loop
            SocketContext<Void, Conn> clients = client.call(() -> {
                SocketContext<Void, Conn> ctx = mode.context(client.loop());
                ctx.onOpen((s, isClient) -> pump(s));
                ctx.onWritable(ManyConnectionsTest::pump);
                ctx.onData((s, data) -> {
                    Conn c = s.ext();
                    c.received.writeBytes(Buffers.copy(data));
                    if (!c.done && c.received.size() >= c.message.length) {
                        c.done = true;
                        String got = c.received.toString(StandardCharsets.ISO_8859_1);
                        String sent = new String(c.message, StandardCharsets.ISO_8859_1);
                        if (!got.equals(sent)) {
                            failures.add("connection " + c.index + " got " + got.strip() + " instead of " + sent.strip());
                        }
                        allEchoed.countDown();
                    }
                });
                ctx.onConnectError((s, code, reason) -> {
                    failures.add("connection " + s.ext().index + " failed to connect: " + code + " " + reason);
                    allEchoed.countDown();
                });
                ctx.onClose((s, code, reason) -> clientCloses.incrementAndGet());
                for (int i = 0; i < CONNECTIONS; i++) {
                    Socket<Conn> s = ctx.connect("127.0.0.1", port);
                    s.setExt(new Conn(i));
                    sockets.add(s);
                }
                return ctx;
            });
            TestLoop.await(allEchoed);
            assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), failures.size() + " failures");
            assertEquals(CONNECTIONS, serverOpens.get(), "connections accepted");
            assertTrue(client.call(() -> sockets.stream().allMatch(Socket::isEstablished)),
                    "every client socket still open after its echo");

            client.run(clients::close);
            assertEquals(CONNECTIONS, clientCloses.get(), "client onClose calls");
            // The server sees each FIN; the default onEnd closes the socket.
            TestLoop.await(serverClosedAll);
            server.settle(3);
            assertEquals(CONNECTIONS, serverCloses.get(), "server onClose calls");
            assertTrue(client.call(() -> sockets.stream().allMatch(Socket::isClosed)), "every client socket closed");
            // Each loop's leak gate counts the whole process: the server's listen socket must be gone before the
            // client loop's gate runs.
            server.run(serverContext::close);
        }
    }
}
