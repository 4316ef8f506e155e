package io.usockets.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * What the kernel holds for a TCP connection on this machine, read from Linux's /proc/net/tcp and /proc/net/tcp6, so
 * a test waits for bytes to be queued (or read) at a socket instead of sleeping. A copy of the tests module's
 * TcpQueues (this module cannot use that one). Where /proc/net/tcp does not exist (not Linux) {@link #await} returns
 * at once: the scenario is then only as strong as the kernel's timing makes it, and still passes or fails on its own
 * assertions.
 */
final class TcpQueues {

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final long WAIT_NANOS = 20_000_000_000L;

    private TcpQueues() {
    }

    /** Bytes received and not yet read by the socket with these ports; -1 if there is no such connection. */
    static long unread(int localPort, int remotePort) {
        return queue(localPort, remotePort, 1);
    }

    /** Bytes written on the socket with these ports and not yet acknowledged by its peer; -1 as above. */
    static long unsent(int localPort, int remotePort) {
        return queue(localPort, remotePort, 0);
    }

    /** Polls {@code condition} (every 2 ms) until it holds; fails after 20 s. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        if (!Files.isReadable(TABLES.get(0))) {
            return;
        }
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    /** Field {@code which} of "tx_queue:rx_queue" (0 or 1) of the connection, or -1. */
    private static long queue(int localPort, int remotePort, int which) {
        String local = String.format(Locale.ROOT, ":%04X", localPort);
        String remote = String.format(Locale.ROOT, ":%04X", remotePort);
        for (Path table : TABLES) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException e) {
                continue;
            }
            for (String line : lines) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && f[1].endsWith(local) && f[2].endsWith(remote)) {
                    return Long.parseLong(f[4].split(":")[which], 16);
                }
            }
        }
        return -1;
    }
}
