package io.usockets.tests;

import io.usockets.NativeHandle;
import io.usockets.Poll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * User polls on a pipe (µSockets' POLL_TYPE_CALLBACK): readiness reaches the callback only for watched events,
 * {@code stop} silences it, {@code change} switches events, and {@code free} leaves the handle open. The pipe is a
 * java.nio {@link Pipe} on channel backends and a kernel pipe (through Netty's binding) on descriptor backends.
 */
class PipePollTest {

    /** A pipe in the form the backend takes: both ends as handles, plus a way to write and drain and close it. */
    private interface TestPipe extends AutoCloseable {
        NativeHandle readEnd();

        NativeHandle writeEnd();

        void writeByte() throws IOException;

        void drain() throws IOException;

        @Override
        void close() throws IOException;
    }

    private static TestPipe pipeFor(String caseName) throws IOException {
        // Descriptor backends (native, io_uring, vertx-epoll) poll a pipe's descriptors, the others its java.nio channels.
        String backend = Backends.backendOf(caseName);
        if (backend.equals("native") || backend.equals("io_uring") || backend.equals("vertx-epoll")) {
            io.netty.channel.unix.FileDescriptor[] ends = io.netty.channel.unix.FileDescriptor.pipe();
            ByteBuffer buffer = ByteBuffer.allocateDirect(64);
            return new TestPipe() {
                public NativeHandle readEnd() {
                    return NativeHandle.ofDescriptor(ends[0].intValue());
                }

                public NativeHandle writeEnd() {
                    return NativeHandle.ofDescriptor(ends[1].intValue());
                }

                public void writeByte() throws IOException {
                    buffer.clear().put((byte) 7).flip();
                    ends[1].write(buffer, 0, 1);
                }

                public void drain() throws IOException {
                    buffer.clear();
                    ends[0].read(buffer, 0, buffer.capacity());
                }

                public void close() throws IOException {
                    ends[0].close();
                    ends[1].close();
                }
            };
        }
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        pipe.sink().configureBlocking(false);
        return new TestPipe() {
            public NativeHandle readEnd() {
                return NativeHandle.ofChannel(pipe.source());
            }

            public NativeHandle writeEnd() {
                return NativeHandle.ofChannel(pipe.sink());
            }

            public void writeByte() throws IOException {
                pipe.sink().write(ByteBuffer.wrap(new byte[] {7}));
            }

            public void drain() throws IOException {
                pipe.source().read(ByteBuffer.allocate(64));
            }

            public void close() throws IOException {
                pipe.source().close();
                pipe.sink().close();
            }
        };
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void pollReportsOnlyWatchedEventsAndFreeLeavesTheHandleOpen(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend); TestPipe pipe = pipeFor(backend)) {
            List<Integer> events = new CopyOnWriteArrayList<>();
            Poll<Void> reader = tl.call(() -> {
                Poll<Void> p = tl.loop().createPoll(false);
                p.init(pipe.readEnd(), (poll, ready, error) -> {
                    events.add(ready);
                    try {
                        pipe.drain();
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
                p.start(Poll.READABLE);
                return p;
            });
            settle(tl);
            assertEquals(List.of(), events, "an empty pipe's read end is not readable");

            pipe.writeByte();
            Waits.waitUntil(() -> events.size() == 1, "the readable event");
            settle(tl);
            assertEquals(List.of(Poll.READABLE), events, "one READABLE for one byte, drained by the callback");

            tl.run(reader::stop);
            pipe.writeByte();
            settle(tl);
            assertEquals(1, events.size(), "a stopped poll reported " + events);
            assertEquals(0, (int) tl.call(reader::events));

            tl.run(() -> reader.change(Poll.READABLE));
            Waits.waitUntil(() -> events.size() == 2, "the byte written while stopped");

            // The write end is always writable; watching it for READABLE only reports nothing.
            List<Integer> writerEvents = new CopyOnWriteArrayList<>();
            Poll<Void> writer = tl.call(() -> {
                Poll<Void> p = tl.loop().createPoll(true);
                p.init(pipe.writeEnd(), (poll, ready, error) -> {
                    writerEvents.add(ready);
                    poll.stop();
                });
                p.start(Poll.READABLE);
                return p;
            });
            settle(tl);
            assertEquals(List.of(), writerEvents, "READABLE on a pipe's write end");
            tl.run(() -> writer.change(Poll.WRITABLE));
            Waits.waitUntil(() -> writerEvents.size() == 1, "the writable event");
            settle(tl);
            assertEquals(List.of(Poll.WRITABLE), writerEvents, "one WRITABLE, then the callback stopped the poll");

            tl.run(() -> {
                writer.free();
                writer.free();
                reader.free();
            });
            assertTrue(tl.call(reader::isFreed));
            // Freed polls leave their handles open and usable.
            pipe.writeByte();
            pipe.drain();
            assertEquals(2, events.size(), "a freed poll reported " + events);
        }
    }

    /** Lets a few loop iterations pass. */
    private static void settle(TestLoop tl) {
        for (int i = 0; i < 5; i++) {
            tl.run(() -> { });
        }
    }
}
