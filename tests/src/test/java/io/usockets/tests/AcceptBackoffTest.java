package io.usockets.tests;

import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accept failing with EMFILE must not spin (docs/RULES.md B7): the listen poll backs off and the loop keeps serving.
 * The server runs in a child JVM ({@link EmfileServerMain}) under {@code ulimit -n 96}, so running it out of
 * descriptors does not disturb this JVM; it reports its loop's iteration count once per second.
 */
@EnabledOnOs(OS.LINUX)
class AcceptBackoffTest {

    /** The child's descriptor limit. */
    private static final int CHILD_DESCRIPTOR_LIMIT = 96;
    /** How long an echo may take before the child counts as no longer accepting. */
    private static final int NOT_SERVED_MS = 1500;
    /** Iterations per reporting interval (one second) that a loop waiting on a back-off timer stays far below. */
    private static final long MAX_ITERATIONS_PER_INTERVAL = 500;

    /** Reads the child's standard output (and error): the port, the iteration reports, and the rest for messages. */
    private static final class ChildOutput extends Thread {
        final CompletableFuture<Integer> port = new CompletableFuture<>();
        final BlockingQueue<Long> iterations = new LinkedBlockingQueue<>();
        private final Deque<String> recent = new ArrayDeque<>();
        private final BufferedReader reader;

        ChildOutput(Process child) {
            super("emfile-child-output");
            setDaemon(true);
            reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public void run() {
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("port ")) {
                        port.complete(Integer.parseInt(line.substring(5).trim()));
                    } else if (line.startsWith("iterations ")) {
                        iterations.add(Long.parseLong(line.substring(11).trim()));
                    } else {
                        synchronized (recent) {
                            recent.addLast(line);
                            if (recent.size() > 40) {
                                recent.removeFirst();
                            }
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new AssertionError("the child ended before printing its port; its output:\n"
                    + recentOutput()));
        }

        /** The next iteration report, waiting at most {@link TestLoop#WAIT}. */
        long nextIterations() throws InterruptedException {
            Long value = iterations.poll(TestLoop.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (value == null) {
                throw new AssertionError("no iteration report from the child; its output:\n" + recentOutput());
            }
            return value;
        }

        String recentOutput() {
            synchronized (recent) {
                return String.join("\n", recent);
            }
        }
    }

    private static Process startChild(String backend) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c",
                "ulimit -n " + CHILD_DESCRIPTOR_LIMIT + " && exec \"$0\" -Xmx128m -XX:+UseSerialGC -cp \"$1\" "
                        + EmfileServerMain.class.getName() + " \"$2\"",
                java, classPath, backend);
        pb.redirectErrorStream(true);
        return pb.start();
    }

    /** Connects, sends {@code message} and reads its echo within {@code timeoutMs}. */
    private static String echo(Socket s, String message, int timeoutMs) throws IOException {
        s.setSoTimeout(timeoutMs);
        return JavaNetPeers.roundTrip(s, message);
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), JavaNetPeers.SO_TIMEOUT_MS);
            s.setTcpNoDelay(true);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void acceptOutOfDescriptorsBacksOffWithoutSpinningAndRecovers(String backend) throws Exception {
        // The TestLoop is only this JVM's leak gate: every socket and pipe to the child must be closed at the end.
        try (TestLoop tl = TestLoop.start(backend)) {
            Process child = startChild(tl.call(() -> tl.loop().backend()));
            ChildOutput output = new ChildOutput(child);
            output.start();
            List<Socket> served = new ArrayList<>();
            Socket pending = null;
            try {
                // A JVM starting on a loaded 2-core machine may take longer than one ordinary wait (seen: over 20 s
                // with a load average of 12): its start gets three.
                int port;
                try {
                    port = output.port.get(3 * TestLoop.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError("the child JVM did not report its port within " + TestLoop.WAIT.multipliedBy(3)
                            + "; its output:\n" + output.recentOutput(), e);
                }

                // 1. Open connections until the child stops serving them: it has run out of descriptors.
                String pendingMessage = null;
                for (int i = 0; i < 4 * CHILD_DESCRIPTOR_LIMIT && pending == null; i++) {
                    Socket s = connect(port);
                    String message = "connection " + i + ";";
                    try {
                        assertEquals(message, echo(s, message, NOT_SERVED_MS));
                        served.add(s);
                    } catch (SocketTimeoutException notAccepted) {
                        pending = s;
                        pendingMessage = message;
                    } catch (IOException | RuntimeException | AssertionError e) {
                        s.close();
                        throw e;
                    }
                }
                assertTrue(pending != null, "the child kept accepting " + served.size() + " connections under ulimit -n "
                        + CHILD_DESCRIPTOR_LIMIT + "; its output:\n" + output.recentOutput());
                assertTrue(served.size() >= 8, "only " + served.size() + " connections served before running out");

                // 2. Out of descriptors with a connection waiting: the loop must wait, not spin, and keep serving.
                output.iterations.clear();
                long first = output.nextIterations();
                assertEquals("served while out of descriptors",
                        echo(served.get(0), "served while out of descriptors", JavaNetPeers.SO_TIMEOUT_MS));
                output.nextIterations();
                long third = output.nextIterations();
                long perInterval = (third - first) / 2;
                assertTrue(perInterval < MAX_ITERATIONS_PER_INTERVAL, "the child's loop ran " + perInterval
                        + " iterations per second while accept failed with EMFILE: it spins");
                assertEquals(0, pending.getInputStream().available(),
                        "the waiting connection was served although the child had no descriptor left");

                // 3. Free half of the descriptors: the waiting connection and a fresh one are accepted and echo.
                int half = served.size() / 2;
                for (int i = 0; i < half; i++) {
                    served.remove(served.size() - 1).close();
                }
                pending.setSoTimeout(JavaNetPeers.SO_TIMEOUT_MS);
                assertEquals(pendingMessage, new String(JavaNetPeers.readExactly(pending.getInputStream(),
                        pendingMessage.length()), StandardCharsets.ISO_8859_1), "echo on the connection that waited");
                try (Socket fresh = connect(port)) {
                    assertEquals("fresh after recovery", echo(fresh, "fresh after recovery", JavaNetPeers.SO_TIMEOUT_MS));
                }
                assertEquals("still served", echo(served.get(0), "still served", JavaNetPeers.SO_TIMEOUT_MS));
            } finally {
                for (Socket s : served) {
                    s.close();
                }
                if (pending != null) {
                    pending.close();
                }
                stop(child, output);
            }
        }
    }

    /** Kills the child, waits for it, and closes the pipes to it. */
    private static void stop(Process child, ChildOutput output) throws Exception {
        child.getOutputStream().close();
        child.destroy();
        if (!child.waitFor(10, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        output.join(TestLoop.WAIT.toMillis());
        child.getInputStream().close();
        child.getErrorStream().close();
    }
}
