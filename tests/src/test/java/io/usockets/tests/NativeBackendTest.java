package io.usockets.tests;

import io.usockets.testsupport.TcpQueues;
import io.usockets.ListenOptions;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.NativeHandle;
import io.usockets.Poll;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the native backend promises beyond the conformance suite: it is the default where epoll loads, it fails
 * clearly where it does not, its descriptors are non-blocking and close-on-exec, TCP sockets have TCP_NODELAY,
 * {@code msgMore} corks until a write without it or a flush, and heap and direct buffers mix in writes.
 */
class NativeBackendTest {

    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_CORK = 3;

    @BeforeEach
    void nativeLoadsHere() {
        assumeTrue(Loop.availableBackends().contains("native"), "the native backend does not load here (not Linux?)");
    }

    @Test
    void nativeIsChosenWhenNoBackendIsConfigured() {
        assumeTrue(System.getProperty("usockets.backend") == null && System.getenv("USOCKETS_BACKEND") == null,
                "a backend is configured for this run");
        Loop loop = Loop.create(LoopOptions.builder().build());
        try {
            assertEquals("native", loop.backend());
        } finally {
            loop.free();
        }
    }

    @Test
    void withoutTheEpollLibraryNativeFailsClearlyAndNioIsTheDefault() throws Exception {
        String classPath = List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
                .filter(entry -> !entry.contains("netty-transport-native-epoll"))
                .collect(Collectors.joining(File.pathSeparator));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-cp", classPath, BackendChoiceMain.class.getName());
        pb.redirectErrorStream(true);
        pb.environment().remove("USOCKETS_BACKEND");
        Process process = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
            }
        }
        assertEquals(0, process.waitFor(), "child output: " + lines);
        assertTrue(lines.contains("default=nio"), "an unconfigured loop should fall back to nio: " + lines);
        String error = lines.stream().filter(l -> l.startsWith("native-error=")).findFirst()
                .orElseThrow(() -> new AssertionError("asking for native did not fail: " + lines));
        assertTrue(error.contains("'native' cannot load here") && error.contains("epoll"),
                "the message should say native cannot load and why: " + error);
    }

    @Test
    void acceptedDescriptorsAreNonBlockingCloseOnExecAndTcpNoDelay() throws Exception {
        try (TestLoop tl = TestLoop.start("native")) {
            CompletableFuture<Socket<Void>> accepted = new CompletableFuture<>();
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ctx.onOpen((s, client) -> accepted.complete(s));
                return ctx.listen("127.0.0.1", 0);
            });
            try (Peer peer = Peer.connect(ls.port())) {
                Socket<Void> server = TestLoop.await(accepted);
                int listenFd = tl.call(() -> ls.nativeHandle().descriptor());
                int serverFd = tl.call(() -> server.nativeHandle().descriptor());
                assertFlags(listenFd, "listen socket", false);
                assertFlags(serverFd, "accepted socket", true);
                assertTrue(new io.netty.channel.unix.Socket(serverFd).isTcpNoDelay(),
                        "TCP_NODELAY on the accepted socket");
                tl.run(() -> {
                    server.close();
                    ls.close();
                });
            }
        }
    }

    @Test
    void connectedAndUnixDescriptorsAreNonBlocking() throws Exception {
        Path dir = Files.createTempDirectory("usn");
        String path = dir.resolve("s").toString();
        try (TestLoop tl = TestLoop.start("native")) {
            List<Socket<Void>> opened = new ArrayList<>();
            List<Boolean> clients = new ArrayList<>();
            CompletableFuture<Void> allOpen = new CompletableFuture<>();
            ListenSocket[] listens = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ctx.onOpen((s, client) -> {
                    opened.add(s);
                    clients.add(client);
                    if (opened.size() == 4) {
                        allOpen.complete(null);
                    }
                });
                ListenSocket tcp = ctx.listen("127.0.0.1", 0);
                ListenSocket unix = ctx.listenUnix(path, ListenOptions.DEFAULT);
                ctx.connect("127.0.0.1", tcp.port(), null);
                ctx.connectUnix(path);
                return new ListenSocket[] {tcp, unix};
            });
            TestLoop.await(allOpen);
            assertFlags(tl.call(() -> listens[1].nativeHandle().descriptor()), "unix listen socket", false);
            List<int[]> fds = tl.call(() -> {
                List<int[]> list = new ArrayList<>();
                for (int i = 0; i < opened.size(); i++) {
                    list.add(new int[] {opened.get(i).nativeHandle().descriptor(), clients.get(i) ? 0 : 1});
                }
                return list;
            });
            for (int[] fd : fds) {
                assertFlags(fd[0], (fd[1] == 1 ? "accepted" : "connected") + " descriptor " + fd[0], fd[1] == 1);
            }
            List<Boolean> noDelay = tl.call(() -> {
                List<Boolean> list = new ArrayList<>();
                for (Socket<Void> s : opened) {
                    if (s.localPort() > 0) {
                        try {
                            list.add(new io.netty.channel.unix.Socket(s.nativeHandle().descriptor()).isTcpNoDelay());
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                }
                return list;
            });
            assertEquals(List.of(true, true), noDelay, "TCP_NODELAY on the connected and the accepted TCP socket");
            tl.run(() -> {
                for (Socket<Void> s : new ArrayList<>(opened)) {
                    s.close();
                }
                listens[0].close();
                listens[1].close();
            });
        } finally {
            Files.deleteIfExists(Path.of(path));
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void msgMoreCorksUntilAWriteWithoutItOrAFlush() throws Exception {
        try (TestLoop tl = TestLoop.start("native")) {
            CompletableFuture<Socket<Void>> accepted = new CompletableFuture<>();
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ctx.onOpen((s, client) -> accepted.complete(s));
                return ctx.listen("127.0.0.1", 0);
            });
            try (Peer peer = Peer.connect(ls.port())) {
                Socket<Void> s = TestLoop.await(accepted);
                io.netty.channel.unix.Socket raw =
                        new io.netty.channel.unix.Socket(tl.call(() -> s.nativeHandle().descriptor()));
                assertEquals(2, (int) tl.call(() -> s.write(Buffers.ascii("ab"), true)));
                // The next two lines run on the loop thread between writes, as an application would.
                assertEquals(1, tl.call(() -> cork(raw)), "TCP_CORK after a write with msgMore");
                tl.call(() -> s.write(Buffers.ascii("cd"), false));
                assertEquals(0, tl.call(() -> cork(raw)), "TCP_CORK after a write without msgMore");
                assertEquals("abcd", peer.readAscii(4));
                tl.call(() -> s.write(Buffers.ascii("ef"), true));
                assertEquals(1, tl.call(() -> cork(raw)));
                tl.run(s::flush);
                assertEquals(0, tl.call(() -> cork(raw)), "TCP_CORK after flush");
                assertEquals("ef", peer.readAscii(2));
                tl.run(() -> {
                    s.close();
                    ls.close();
                });
            }
        }
    }

    @Test
    void heapReadOnlyAndDirectBuffersMixInWriteAndWrite2() throws Exception {
        try (TestLoop tl = TestLoop.start("native")) {
            CompletableFuture<Socket<Void>> accepted = new CompletableFuture<>();
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ctx.onOpen((s, client) -> accepted.complete(s));
                return ctx.listen("127.0.0.1", 0);
            });
            try (Peer peer = Peer.connect(ls.port())) {
                Socket<Void> s = TestLoop.await(accepted);
                int written = tl.call(() -> s.write(heap("1heap"))
                        + s.write(heap("2readonly").asReadOnlyBuffer())
                        + s.write(direct("3direct"))
                        + s.write2(heap("4h"), direct("4d"))
                        + s.write2(direct("5d"), direct("5d"))
                        + s.write2(direct("6d"), heap("6h").asReadOnlyBuffer()));
                String expected = "1heap2readonly3direct4h4d5d5d6d6h";
                assertEquals(expected.length(), written);
                assertEquals(expected, peer.readAscii(expected.length()));
                tl.run(() -> {
                    s.close();
                    ls.close();
                });
            }
        }
    }

    @Test
    void aNumberReusedInsideABatchDoesNotGetTheClosedDescriptorsEvent() throws Exception {
        try (TestLoop tl = TestLoop.start("native")) {
            List<Socket<Void>> accepted = new ArrayList<>();
            List<io.netty.channel.unix.FileDescriptor> pipes = new ArrayList<>();
            AtomicInteger spurious = new AtomicInteger();
            AtomicInteger readable = new AtomicInteger();
            AtomicInteger reusedFd = new AtomicInteger(-1);
            // Set once the test writes into the pipe; readiness reported before that is the closed socket's.
            AtomicBoolean written = new AtomicBoolean();
            AtomicReference<io.netty.channel.unix.FileDescriptor> writeEnd = new AtomicReference<>();
            AtomicReference<Poll<Void>> pollRef = new AtomicReference<>();
            ListenSocket ls = tl.call(() -> {
                SocketContext<Void, Void> ctx = tl.loop().createSocketContext();
                ctx.onOpen((s, client) -> accepted.add(s));
                ctx.onData((s, data) -> {
                    if (s != accepted.get(0)) {
                        return;
                    }
                    // A's data comes first in the batch; B's event is further down. Close B and take its number.
                    Socket<Void> b = accepted.get(1);
                    int number = b.nativeHandle().descriptor();
                    b.close();
                    try {
                        for (int i = 0; i < 64 && reusedFd.get() < 0; i++) {
                            io.netty.channel.unix.FileDescriptor[] pipe = io.netty.channel.unix.FileDescriptor.pipe();
                            pipes.add(pipe[0]);
                            if (pipe[0].intValue() == number) {
                                reusedFd.set(number);
                                writeEnd.set(pipe[1]);
                            } else if (pipe[1].intValue() == number) {
                                pipe[1].close();
                            } else {
                                pipes.add(pipe[1]);
                            }
                        }
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    Poll<Void> poll = tl.loop().createPoll(true);
                    poll.init(NativeHandle.ofDescriptor(reusedFd.get()), (p, events, error) -> {
                        (written.get() ? readable : spurious).incrementAndGet();
                    });
                    poll.start(Poll.READABLE);
                    pollRef.set(poll);
                });
                return ctx.listen("127.0.0.1", 0);
            });
            try (Peer a = Peer.connect(ls.port());
                 Peer b = Peer.connect(ls.port())) {
                Waits.waitUntil(() -> tl.call(accepted::size) == 2, "both connections accepted");
                assertEquals(b.localPort(), (int) tl.call(() -> accepted.get(1).remotePort()), "accept order");
                // Hold the loop inside a task while both peers send, so both sockets are ready in one epoll batch.
                CountDownLatch holding = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                tl.loop().defer(() -> {
                    holding.countDown();
                    try {
                        release.await(TestLoop.WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                TestLoop.await(holding);
                try {
                    int port = ls.port();
                    a.write("a");
                    b.write("b");
                    TcpQueues.awaitUnreadAbove(port, a.localPort(), 0, "a's byte");
                    TcpQueues.awaitUnreadAbove(port, b.localPort(), 0, "b's byte");
                } finally {
                    release.countDown();
                }
                Waits.waitUntil(() -> tl.call(pollRef::get) != null, "the poll on the reused number");
                assertTrue(reusedFd.get() >= 0, "no pipe got the closed socket's number");
                for (int i = 0; i < 5; i++) {
                    tl.run(() -> { });
                }
                assertEquals(0, spurious.get(), "the pipe's poll got the closed socket's readiness");
                written.set(true);
                ByteBuffer one = ByteBuffer.allocateDirect(1).put((byte) 1).flip();
                writeEnd.get().write(one, 0, 1);
                Waits.waitUntil(() -> readable.get() > 0, "the pipe's poll reporting real data");
            } finally {
                tl.run(() -> {
                    if (pollRef.get() != null) {
                        pollRef.get().free();
                    }
                    for (io.netty.channel.unix.FileDescriptor fd : pipes) {
                        closeQuietly(fd);
                    }
                    if (writeEnd.get() != null) {
                        closeQuietly(writeEnd.get());
                    }
                    for (Socket<Void> s : accepted) {
                        s.close();
                    }
                    ls.close();
                });
            }
        }
    }

    private static void closeQuietly(io.netty.channel.unix.FileDescriptor fd) {
        try {
            fd.close();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ByteBuffer heap(String ascii) {
        return ByteBuffer.wrap(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    private static ByteBuffer direct(String ascii) {
        byte[] bytes = ascii.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static int cork(io.netty.channel.unix.Socket raw) {
        try {
            return raw.getIntOpt(IPPROTO_TCP, TCP_CORK);
        } catch (IOException e) {
            throw new AssertionError("getsockopt(TCP_CORK) failed", e);
        }
    }

    /**
     * Reads the descriptor's open flags from /proc/self/fdinfo (octal) and checks O_NONBLOCK, and O_CLOEXEC where
     * {@code closeOnExec} says it must be set (accepted sockets: Netty's accept4 passes SOCK_CLOEXEC).
     */
    private static void assertFlags(int fd, String what, boolean closeOnExec) throws IOException {
        String flagsLine = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                .filter(l -> l.startsWith("flags:")).findFirst()
                .orElseThrow(() -> new AssertionError("no flags line for descriptor " + fd));
        int flags = Integer.parseInt(flagsLine.substring("flags:".length()).trim(), 8);
        assertTrue((flags & O_NONBLOCK) != 0, what + " is not O_NONBLOCK: " + flagsLine);
        if (closeOnExec) {
            assertTrue((flags & O_CLOEXEC) != 0, what + " is not O_CLOEXEC: " + flagsLine);
        }
    }
}
