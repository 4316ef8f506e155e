package io.usockets.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The leak gate of every test class: the open descriptors are read before the class's first test and after its
 * last, and the class fails when descriptors it opened are still open, naming each with its /proc/self/fd target (and
 * the TCP connection behind a socket). Registered for every class of a module by JUnit's extension autodetection:
 * this jar's {@code META-INF/services/org.junit.jupiter.api.extension.Extension} plus
 * {@code junit.jupiter.extensions.autodetection.enabled = true} in the module's junit-platform.properties.
 *
 * <p>What is not a leak of a test class, and so not counted:
 * <ul>
 *   <li>jar files: the JVM opens a class-path jar the first time a class is loaded from it and keeps it open;</li>
 *   <li>what the JDK opens once per JVM and keeps: the gate first opens and closes a loopback NIO connection (NIO's
 *       dispatcher keeps a socket pair for closing channels) and draws from {@link SecureRandom} (which keeps
 *       /dev/random and /dev/urandom open);</li>
 *   <li>what the module's warm-up opens once per JVM: the configuration parameter
 *       {@value #WARM_UP_PARAMETER} names a {@link Runnable} class run once before the first baseline (the tests
 *       module's opens a connection and a TLS handshake on every backend, after which the JDK and netty-tcnative
 *       keep a few descriptors for the life of the JVM);</li>
 *   <li>the JVM's attach listener, a unix socket {@code /tmp/.java_pidPID} that the first dynamic agent attach (the
 *       fuzzer's Jazzer agent attaches itself) opens and keeps.</li>
 * </ul>
 * A descriptor may close a little after the last test (NIO releases a closed channel's descriptor at its selector's
 * next select), so the gate waits up to {@link TcpQueues#WAIT_NANOS} for the count to come back before failing, and
 * collects garbage while it waits: a JDK {@code HttpClient} has no {@code close()} on Java 17, and its selector (an
 * epoll and an eventfd descriptor) is released only once the client is collected. None of the library's own
 * descriptors is released by a collection (neither Netty's sockets nor NIO channels close themselves when
 * collected), so this hides no leak of the library.
 * Without /proc/self/fd (not Linux) it does nothing.
 */
public final class DescriptorLeakGate implements BeforeAllCallback, AfterAllCallback {

    /** The configuration parameter naming the module's once-per-JVM warm-up, a {@link Runnable} class. */
    public static final String WARM_UP_PARAMETER = "usockets.leakgate.warmup";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            DescriptorLeakGate.class);
    private static volatile boolean warmedUp;
    /** The JVM's attach listener: a unix socket /tmp/.java_pidPID, opened for good by the first dynamic attach. */
    private static final java.util.regex.Pattern ATTACH_LISTENER =
            java.util.regex.Pattern.compile(" unix \\S*/\\.java_pid\\d+(\\.tmp)?$");

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        warmUp(context);
        Map<Integer, String> before = OpenDescriptors.snapshot();
        if (before != null) {
            context.getStore(NAMESPACE).put(context.getUniqueId(), before);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = context.getStore(NAMESPACE).remove(context.getUniqueId(), Map.class);
        if (before == null) {
            return;
        }
        long deadline = System.nanoTime() + TcpQueues.WAIT_NANOS;
        List<String> leaked = leaked(before, OpenDescriptors.snapshot());
        for (int round = 0; !leaked.isEmpty() && System.nanoTime() - deadline < 0; round++) {
            if (round % 50 == 0) {
                // A JDK HttpClient has no close() on Java 17: its selector goes once the client is collected.
                System.gc();
            }
            Thread.sleep(10);
            leaked = leaked(before, OpenDescriptors.snapshot());
        }
        if (!leaked.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " left " + leaked.size() + " descriptor(s) open:\n  "
                    + String.join("\n  ", leaked));
        }
    }

    /**
     * Descriptors open now that were not open before (or point elsewhere now), jar files and the JVM's attach
     * listener aside.
     */
    static List<String> leaked(Map<Integer, String> before, Map<Integer, String> now) {
        List<String> leaked = new ArrayList<>();
        now.forEach((fd, target) -> {
            if (!target.equals(before.get(fd)) && !target.endsWith(".jar")) {
                String described = OpenDescriptors.describe(fd, target);
                if (!ATTACH_LISTENER.matcher(described).find()) {
                    leaked.add(described);
                }
            }
        });
        return leaked;
    }

    /** Makes the JDK open what it keeps for good: NIO's close dispatcher and the random devices. */
    private static void warmUpJdk() throws IOException {
        new SecureRandom().nextBytes(new byte[8]);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                 SocketChannel accepted = server.accept()) {
                client.write(ByteBuffer.wrap(new byte[1]));
                accepted.read(ByteBuffer.allocate(1));
            }
        }
    }

    private static void warmUp(ExtensionContext context) throws Exception {
        if (warmedUp) {
            return;
        }
        synchronized (DescriptorLeakGate.class) {
            if (warmedUp) {
                return;
            }
            warmedUp = true;
            warmUpJdk();
            String name = context.getConfigurationParameter(WARM_UP_PARAMETER).orElse(null);
            if (name != null) {
                ClassLoader loader = Thread.currentThread().getContextClassLoader();
                Class<?> type = Class.forName(name, true, loader);
                ((Runnable) type.getDeclaredConstructor().newInstance()).run();
            }
        }
    }
}
