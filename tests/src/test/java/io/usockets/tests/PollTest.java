package io.usockets.tests;

import io.usockets.ListenSocket;
import io.usockets.NativeHandle;
import io.usockets.Poll;
import io.usockets.SocketContext;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * User polls (us_poll_t): readiness of a handle of the loop's backend. The handle comes from a connection taken away
 * in onPreOpen, so the test is the same on every backend whatever its handles are made of.
 */
class PollTest {

    /** Takes the next accepted connection away from a listening context and hands its handle over. */
    private static int listenTakingConnections(TestLoop tl, CompletableFuture<NativeHandle> taken) {
        return tl.call(() -> {
            SocketContext<Void, Void> front = tl.loop().createSocketContext();
            front.onPreOpen((ctx, handle) -> {
                taken.complete(handle);
                return null;
            });
            ListenSocket ls = front.listen("127.0.0.1", 0);
            return ls.port();
        });
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void pollReportsTheWatchedEventsAndFreeLeavesTheHandleToItsOwner(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<NativeHandle> taken = new CompletableFuture<>();
            int port = listenTakingConnections(tl, taken);
            try (java.net.Socket c = JavaNetPeers.client(port)) {
                NativeHandle handle = TestLoop.await(taken);
                boolean adopted = false;
                try {
                    // Loop-thread state, read by the test thread through tl.call.
                    AtomicInteger readable = new AtomicInteger();
                    AtomicInteger writable = new AtomicInteger();
                    AtomicInteger callbacks = new AtomicInteger();
                    AtomicReference<String> unexpected = new AtomicReference<>();
                    Poll<String> poll = tl.call(() -> {
                        Poll<String> p = tl.loop().createPoll(false);
                        assertNull(p.handle(), "handle before init");
                        p.setExt("poll ext");
                        p.init(handle, (self, events, error) -> {
                            callbacks.incrementAndGet();
                            if ((events & ~self.events()) != 0) {
                                unexpected.set("events " + events + " outside the watched " + self.events());
                            }
                            if ((events & Poll.READABLE) != 0) {
                                readable.incrementAndGet();
                            }
                            if ((events & Poll.WRITABLE) != 0) {
                                writable.incrementAndGet();
                            }
                        });
                        p.start(Poll.READABLE);
                        return p;
                    });
                    assertEquals(handle, tl.call(poll::handle), "us_poll_fd");
                    assertEquals(Poll.READABLE, tl.call(poll::events), "us_poll_events after start");
                    assertEquals("poll ext", tl.call(poll::ext));
                    assertSame(tl.loop(), tl.call(poll::loop));

                    // Nothing to read yet: only WRITABLE could be ready, and it is not watched.
                    tl.settle(3);
                    assertEquals(0, readable.get() + writable.get(), "events before the peer wrote");

                    c.getOutputStream().write("ping".getBytes(StandardCharsets.ISO_8859_1));
                    Waits.awaitAtLeast(readable::get, 1, "READABLE after the peer wrote");

                    tl.run(() -> poll.change(Poll.WRITABLE));
                    assertEquals(Poll.WRITABLE, tl.call(poll::events), "us_poll_events after change");
                    Waits.awaitAtLeast(writable::get, 1, "WRITABLE of an idle connection");

                    tl.run(poll::stop);
                    assertEquals(0, tl.call(poll::events), "us_poll_events after stop");
                    tl.settle(2); // events already in flight drain
                    int before = callbacks.get();
                    tl.settle(3);
                    assertEquals(before, callbacks.get(), "callbacks after stop (data is still unread)");
                    assertNull(unexpected.get());

                    tl.run(() -> {
                        poll.free();
                        poll.free(); // a second free does nothing
                    });
                    assertTrue(tl.call(poll::isFreed));

                    // The poll read nothing and closed nothing: the connection still holds "ping".
                    CompletableFuture<String> received = new CompletableFuture<>();
                    tl.run(() -> {
                        SocketContext<Void, Void> back = tl.loop().createSocketContext();
                        back.onData((s, data) -> {
                            received.complete(Buffers.text(data));
                            s.write(Buffers.buffer("pong"));
                        });
                        back.adoptAccepted(handle, null);
                    });
                    adopted = true;
                    assertEquals("ping", TestLoop.await(received));
                    assertEquals("pong", new String(JavaNetPeers.readExactly(c.getInputStream(), 4),
                            StandardCharsets.ISO_8859_1));
                } finally {
                    if (!adopted && handle.isChannel()) {
                        handle.channel().close();
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void nonFallthroughPollKeepsRunGoingUntilFreed(String backend) {
        int baseline = TestLoop.descriptorBaseline();
        AtomicInteger ticks = new AtomicInteger();
        AtomicReference<String> stateAtFree = new AtomicReference<>();
        try (OwnLoop own = OwnLoop.start(backend, b -> { }, loop -> {
            // Never bound, but not fallthrough: it alone keeps run() going, as a non-fallthrough timer does.
            Poll<Void> keeper = loop.createPoll(false);
            Poll<Void> fallthrough = loop.createPoll(true);
            loop.<Void>createTimer(true).set(t -> {
                if (ticks.incrementAndGet() == 5) {
                    keeper.free();
                    stateAtFree.set("keeperFreed=" + keeper.isFreed() + ":fallthroughFreed=" + fallthrough.isFreed());
                }
            }, 10, 10);
        })) {
            assertTrue(own.awaitRunReturned(), "run() did not return after the non-fallthrough poll was freed");
        }
        assertEquals(5, ticks.get(), "run() must go on until the keeper is freed, then stop before the next tick");
        assertEquals("keeperFreed=true:fallthroughFreed=false", stateAtFree.get());
        TestLoop.assertNoDescriptorLeak(baseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void misuseOfAPollThrowsNamingTheProblem(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            boolean channels = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ListenSocket ls = ctx.listen("127.0.0.1", 0);
                boolean isChannel = ls.nativeHandle().isChannel();
                ls.close();
                return isChannel;
            });
            try (SocketChannel foreign = SocketChannel.open()) {
                // A handle of the other kind than this backend's: a descriptor where channels are used, and back.
                NativeHandle wrongKind = channels ? NativeHandle.ofDescriptor(0) : NativeHandle.ofChannel(foreign);
                tl.run(() -> {
                    Poll<Void> p = tl.loop().createPoll(true);
                    IllegalStateException unbound = assertThrows(IllegalStateException.class,
                            () -> p.start(Poll.READABLE));
                    assertTrue(unbound.getMessage().contains("init"), unbound.getMessage());
                    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                            () -> p.init(wrongKind, (self, events, error) -> { }));
                    assertTrue(wrong.getMessage().contains(wrongKind.toString()), wrong.getMessage());
                    assertThrows(IllegalArgumentException.class, () -> p.init(null, (self, events, error) -> { }));
                    assertNull(p.handle(), "a failed init leaves the poll unbound");
                    p.free();
                    assertTrue(p.isFreed());
                    // Calls on a freed poll do nothing.
                    p.free();
                    assertEquals(0, p.events());
                });
            }
            Poll<Void> foreignThreadPoll = tl.call(() -> tl.loop().createPoll(true));
            IllegalStateException misuse = assertThrows(IllegalStateException.class, () -> foreignThreadPoll.free());
            assertTrue(misuse.getMessage().contains(Thread.currentThread().getName()), misuse.getMessage());
            assertFalse(tl.call(foreignThreadPoll::isFreed));
            tl.run(foreignThreadPoll::free);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void badEventMasksAreRejected(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            CompletableFuture<NativeHandle> taken = new CompletableFuture<>();
            int port = listenTakingConnections(tl, taken);
            try (java.net.Socket c = JavaNetPeers.client(port)) {
                NativeHandle handle = TestLoop.await(taken);
                String message = tl.call(() -> {
                    SocketContext<Void, Void> owner = tl.loop().createSocketContext();
                    Poll<Void> p = tl.loop().createPoll(true);
                    p.init(handle, (self, events, error) -> { });
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.start(4));
                    p.free();
                    owner.adoptAccepted(handle, null).close(); // closes the connection through a socket
                    return e.getMessage();
                });
                assertTrue(message.contains("4"), message);
                assertTrue(JavaNetPeers.closedByPeer(c), "the connection closed through the adopted socket");
            }
        }
    }
}
