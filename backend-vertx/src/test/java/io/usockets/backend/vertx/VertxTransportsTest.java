package io.usockets.backend.vertx;

import io.usockets.testsupport.TcpQueues;
import io.usockets.CloseCode;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.SocketContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same embedding promises on both Vert.x transports: NIO ({@code vertx}) and epoll ({@code vertx-epoll}). */
class VertxTransportsTest {

    private static final long WAIT_SECONDS = 20;

    private static Vertx vertx(String transport) {
        Transport t = transport.equals("EPOLL") ? Transport.EPOLL : Transport.NIO;
        return Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(1)).withTransport(t).build();
    }

    private static String backendOf(String transport) {
        return transport.equals("EPOLL") ? "vertx-epoll" : "vertx";
    }

    private static void close(Vertx vertx) throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NIO", "EPOLL"})
    void theHintsTransportPicksTheBackendAndCallbacksRunInItsContext(String transport) throws Exception {
        Vertx vertx = vertx(transport);
        try {
            Context context = vertx.getOrCreateContext();
            List<String> seen = new CopyOnWriteArrayList<>();
            CompletableFuture<Object[]> created = new CompletableFuture<>();
            context.runOnContext(v -> {
                // The property names another backend: a hint decides (docs/RULES.md B8).
                Loop loop = Loop.create(LoopOptions.builder().backend("nio").hint(context).build());
                SocketContext<Void, Void> ctx = loop.createSocketContext();
                ctx.onData((s, data) -> {
                    seen.add(Context.isOnEventLoopThread() + " " + (Vertx.currentContext() == context));
                    s.write(data);
                }).onEnd(io.usockets.Socket::close);
                created.complete(new Object[] {loop, ctx.listen("127.0.0.1", 0).port()});
            });
            Object[] made = created.get(WAIT_SECONDS, TimeUnit.SECONDS);
            Loop loop = (Loop) made[0];
            assertEquals(backendOf(transport), loop.backend());
            assertEquals("abc", roundTrip((Integer) made[1], "abc"));
            assertEquals(List.of("true true"), seen);
        } finally {
            close(vertx);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"NIO", "EPOLL"})
    void eventsBeforeRunWaitForIt(String transport) throws Exception {
        Vertx vertx = vertx(transport);
        try {
            Loop loop = Loop.create(LoopOptions.builder().hint(vertx).build());
            SocketContext<Void, Void> ctx = loop.createSocketContext();
            ListenSocket ls = ctx.listen("127.0.0.1", 0);
            List<String> order = new CopyOnWriteArrayList<>();
            ctx.onData((s, data) -> {
                order.add("data on the event loop: " + Context.isOnEventLoopThread());
                s.write(data);
                s.close(); // then the loop has no live poll left and run() returns
                ls.close();
            });
            try (Socket peer = new Socket("127.0.0.1", ls.port())) {
                peer.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
                peer.getOutputStream().write("early".getBytes(StandardCharsets.US_ASCII));
                // The connection and its bytes are ready before run(): they wait in the kernel, then a task on the
                // (only) Vert.x event loop runs after it has seen them ready. Parked, not served.
                int port = ls.port();
                int peerPort = peer.getLocalPort();
                TcpQueues.await(() -> TcpQueues.unread(port, peerPort) > 0, "the early bytes at the server");
                CompletableFuture<Void> eventLoopRoundTrip = new CompletableFuture<>();
                vertx.getOrCreateContext().runOnContext(v -> eventLoopRoundTrip.complete(null));
                eventLoopRoundTrip.get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertEquals(List.of(), order, "served before run()");
                order.add("run");
                CompletableFuture<Void> ran = CompletableFuture.runAsync(loop::run);
                // run() must be called by the owning thread: this one.
                assertTrue(ran.handle((r, e) -> e != null).get(WAIT_SECONDS, TimeUnit.SECONDS),
                        "run() from another thread than the owner must throw");
                loop.run();
                assertEquals("early", new String(peer.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
            }
            assertEquals(List.of("run", "data on the event loop: true"), order);
            loop.free();
        } finally {
            close(vertx);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"NIO", "EPOLL"})
    void closingVertxFreesTheLoop(String transport) throws Exception {
        Vertx vertx = vertx(transport);
        Context context = vertx.getOrCreateContext();
        List<CloseCode> codes = new CopyOnWriteArrayList<>();
        CountDownLatch open = new CountDownLatch(1);
        CompletableFuture<Object[]> created = new CompletableFuture<>();
        context.runOnContext(v -> {
            Loop loop = Loop.create(LoopOptions.builder().hint(context).build());
            SocketContext<Void, Void> ctx = loop.createSocketContext();
            ctx.onOpen((s, client) -> open.countDown()).onClose((s, code, reason) -> codes.add(code));
            created.complete(new Object[] {loop, ctx.listen("127.0.0.1", 0).port()});
        });
        Object[] made = created.get(WAIT_SECONDS, TimeUnit.SECONDS);
        try (Socket peer = new Socket("127.0.0.1", (Integer) made[1])) {
            assertTrue(open.await(WAIT_SECONDS, TimeUnit.SECONDS));
            close(vertx);
            peer.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            assertEquals(-1, peer.getInputStream().read(), "the peer sees the close");
        }
        assertTrue(((Loop) made[0]).isFreed());
        assertEquals(List.of(CloseCode.LOOP_FREED), codes);
    }

    private static String roundTrip(int port, String message) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            s.getOutputStream().write(message.getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readNBytes(message.length()), StandardCharsets.US_ASCII);
        }
    }
}
