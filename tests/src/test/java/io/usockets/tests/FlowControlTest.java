package io.usockets.tests;

import io.usockets.Socket;
import io.usockets.SocketContext;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** pauseReading() / resumeReading(): no onData while paused, everything that accumulated afterwards. */
class FlowControlTest {

    private static final int CHUNK = 2048;
    private static final int CHUNKS = 32;

    /** Loop-thread record of what one accepted socket received. */
    private static final class Received {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger count = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Sends {@code payload} in chunks, letting the loop run a few iterations after each one. */
    private static void sendSlowly(TestLoop tl, OutputStream out, byte[] payload) throws Exception {
        for (int off = 0; off < payload.length; off += CHUNK) {
            out.write(payload, off, Math.min(CHUNK, payload.length - off));
            out.flush();
            tl.settle(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void pauseReadingStopsOnDataWhileThePeerSendsAndResumeDeliversItIntact(String backend, Mode mode) throws Exception {
        byte[] greeting = "hello".getBytes(StandardCharsets.ISO_8859_1);
        byte[] payload = TestData.pattern(CHUNK * CHUNKS, 7);
        try (TestLoop tl = TestLoop.start(backend)) {
            Received received = new Received();
            CompletableFuture<Socket<Void>> accepted = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> accepted.complete(s));
                ctx.onData((s, data) -> {
                    received.calls.incrementAndGet();
                    received.bytes.writeBytes(Buffers.copy(data));
                    received.count.addAndGet(data.remaining());
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket peer = JavaNetPeers.client(mode, port)) {
                Socket<Void> s = TestLoop.await(accepted);
                peer.getOutputStream().write(greeting);
                Waits.awaitAtLeast(received.count::get, greeting.length, "bytes before pausing");
                tl.run(s::pauseReading);
                int callsAtPause = received.calls.get();

                sendSlowly(tl, peer.getOutputStream(), payload);
                tl.settle(10);
                assertEquals(callsAtPause, received.calls.get(), "onData calls while paused");
                assertEquals(greeting.length, received.count.get(), "bytes delivered while paused");

                // Writing still works while reading is paused.
                tl.run(() -> s.write(Buffers.buffer("pong")));
                assertEquals("pong", new String(JavaNetPeers.readExactly(peer.getInputStream(), 4),
                        StandardCharsets.ISO_8859_1));

                tl.run(s::resumeReading);
                Waits.awaitAtLeast(received.count::get, greeting.length + payload.length, "bytes after resuming");
                tl.settle(3);
                byte[] all = tl.call(received.bytes::toByteArray);
                assertArrayEquals(concat(greeting, payload), all, "bytes received, in order");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Mode#backendsAndModes")
    void pauseReadingInsideOnDataHoldsBackTheRestUntilResumed(String backend, Mode mode) throws Exception {
        byte[] first = "first".getBytes(StandardCharsets.ISO_8859_1);
        byte[] rest = TestData.pattern(CHUNK * 8, 3);
        try (TestLoop tl = TestLoop.start(backend)) {
            Received received = new Received();
            CompletableFuture<Socket<Void>> accepted = new CompletableFuture<>();
            int port = tl.call(() -> {
                SocketContext<Void, Void> ctx = mode.context(tl.loop());
                ctx.onOpen((s, client) -> accepted.complete(s));
                ctx.onData((s, data) -> {
                    received.bytes.writeBytes(Buffers.copy(data));
                    received.count.addAndGet(data.remaining());
                    if (received.calls.incrementAndGet() == 1) {
                        s.pauseReading();
                        s.pauseReading(); // a second pause changes nothing
                    }
                });
                return ctx.listen("127.0.0.1", 0).port();
            });
            try (java.net.Socket peer = JavaNetPeers.client(mode, port)) {
                Socket<Void> s = TestLoop.await(accepted);
                peer.getOutputStream().write(first);
                Waits.awaitAtLeast(received.calls::get, 1, "onData calls");
                int bytesAtPause = received.count.get();
                sendSlowly(tl, peer.getOutputStream(), rest);
                tl.settle(10);
                assertEquals(1, received.calls.get(), "onData calls after pausing inside onData");
                assertEquals(bytesAtPause, received.count.get(), "bytes delivered while paused");

                tl.run(() -> {
                    s.resumeReading();
                    s.resumeReading(); // a second resume changes nothing
                });
                Waits.awaitAtLeast(received.count::get, first.length + rest.length, "bytes after resuming");
                tl.settle(3);
                assertArrayEquals(concat(first, rest), tl.call(received.bytes::toByteArray), "bytes, in order");
            }
        }
    }
}
