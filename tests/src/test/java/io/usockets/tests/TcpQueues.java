package io.usockets.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the kernel holds for a TCP connection on this machine, read from Linux's /proc/net/tcp and /proc/net/tcp6: a
 * test that needs bytes to be waiting at a socket (so one poll reports them together) waits for that, not for an
 * amount of time. Where /proc/net/tcp does not exist (not Linux) the waits return at once, and such a scenario is only
 * as strong as the kernel's timing makes it; it still passes or fails on its own assertions.
 */
final class TcpQueues {

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    private TcpQueues() {
    }

    /**
     * Bytes received and not yet read by the socket whose local port is {@code localPort} and whose peer's port is
     * {@code remotePort}; -1 if there is no such connection or no /proc/net/tcp.
     */
    static long unread(int localPort, int remotePort) {
        return queue(localPort, remotePort, 1);
    }

    /** Bytes written on that socket and not yet acknowledged by its peer; -1 as for {@link #unread}. */
    static long unsent(int localPort, int remotePort) {
        return queue(localPort, remotePort, 0);
    }

    /**
     * Waits until that socket holds more unread bytes than {@code before} (the count taken before the peer wrote; on
     * a socket nobody reads meanwhile it only grows), failing after {@link TestLoop#WAIT}.
     */
    static void awaitUnreadAbove(int localPort, int remotePort, long before, String what) {
        if (!Files.isReadable(TABLES.get(0))) {
            return;
        }
        Waits.waitUntil(() -> unread(localPort, remotePort) > before, what + " waiting unread at the socket "
                + localPort + " <- " + remotePort);
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
                // "  sl  local_address rem_address   st tx_queue:rx_queue ..."
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && f[1].endsWith(local) && f[2].endsWith(remote)) {
                    return Long.parseLong(f[4].split(":")[which], 16);
                }
            }
        }
        return -1;
    }
}
