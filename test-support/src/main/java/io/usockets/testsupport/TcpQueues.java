package io.usockets.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * What the kernel holds for a TCP connection on this machine, read from Linux's /proc/net/tcp and /proc/net/tcp6, so
 * that a test waits for bytes to be queued (or read) at a socket instead of sleeping. Where /proc/net/tcp does not
 * exist (not Linux) the waits return at once: such a scenario is then only as strong as the kernel's timing makes it,
 * and still passes or fails on its own assertions.
 *
 * <p>Used in test scope by the tests, examples and backend-vertx modules; stateless and thread-safe.
 */
public final class TcpQueues {

    /** How long a wait lasts before it fails, the same as the suites' other waits. */
    public static final long WAIT_NANOS = 20_000_000_000L;

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    private TcpQueues() {
    }

    /** Whether this machine shows its TCP queues (Linux's /proc/net/tcp is readable). */
    public static boolean visible() {
        return Files.isReadable(TABLES.get(0));
    }

    /**
     * Bytes received and not yet read by the socket whose local port is {@code localPort} and whose peer's port is
     * {@code remotePort}; -1 if there is no such connection or no /proc/net/tcp.
     */
    public static long unread(int localPort, int remotePort) {
        return queue(localPort, remotePort, 1);
    }

    /** Bytes written on that socket and not yet acknowledged by its peer; -1 as for {@link #unread}. */
    public static long unsent(int localPort, int remotePort) {
        return queue(localPort, remotePort, 0);
    }

    /**
     * Polls {@code condition} every 2 ms until it holds, throwing AssertionError naming {@code what} after
     * {@link #WAIT_NANOS}; returns at once where the queues are not {@link #visible()}.
     */
    public static void await(BooleanSupplier condition, String what) {
        if (!visible()) {
            return;
        }
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + WAIT_NANOS / 1_000_000_000L + " s waiting for " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /**
     * Waits until that socket holds more unread bytes than {@code before} (the count taken before the peer wrote; on a
     * socket nobody reads meanwhile it only grows).
     */
    public static void awaitUnreadAbove(int localPort, int remotePort, long before, String what) {
        await(() -> unread(localPort, remotePort) > before, what + " waiting unread at the socket " + localPort
                + " <- " + remotePort);
    }

    /**
     * How many TCP sockets on this machine are connecting (SYN_SENT) to {@code remotePort}; -1 without /proc/net/tcp.
     * A connect to a listener whose accept queue is full stays there, so this counts connect attempts in flight
     * without depending on what else the process opens or closes meanwhile.
     */
    public static int connectingTo(int remotePort) {
        if (!visible()) {
            return -1;
        }
        String remote = String.format(Locale.ROOT, ":%04X", remotePort);
        int count = 0;
        for (String[] f : rows()) {
            if (f.length > 3 && f[2].endsWith(remote) && f[3].equals("02")) {
                count++;
            }
        }
        return count;
    }

    /** Field {@code which} of "tx_queue:rx_queue" (0 or 1) of the connection, or -1. */
    private static long queue(int localPort, int remotePort, int which) {
        String local = String.format(Locale.ROOT, ":%04X", localPort);
        String remote = String.format(Locale.ROOT, ":%04X", remotePort);
        for (String[] f : rows()) {
            if (f.length > 4 && f[1].endsWith(local) && f[2].endsWith(remote)) {
                return Long.parseLong(f[4].split(":")[which], 16);
            }
        }
        return -1;
    }

    /**
     * Every row of /proc/net/tcp and /proc/net/tcp6 split into its fields ("sl local_address rem_address st
     * tx_queue:rx_queue ..."); a table that cannot be read adds nothing.
     */
    private static List<String[]> rows() {
        List<String[]> rows = new ArrayList<>();
        for (Path table : TABLES) {
            try {
                for (String line : Files.readAllLines(table)) {
                    rows.add(line.trim().split("\\s+"));
                }
            } catch (IOException e) {
                // Not Linux, or not readable here: nothing from this table.
            }
        }
        return rows;
    }
}
