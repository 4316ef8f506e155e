package io.usockets.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Waits on the kernel's own count of bytes queued on a UDP socket ({@code rx_queue} in /proc/net/udp and udp6), so
 * a test knows datagrams have arrived without reading them.
 */
final class KernelQueues {

    private KernelQueues() {
    }

    /**
     * Waits until the UDP socket bound to {@code port} has at least {@code atLeast} bytes queued (the kernel counts each
     * datagram's buffer, not its payload) and returns the count.
     */
    static long udpReceiveQueue(int port, long atLeast) {
        long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
        long queued = 0;
        while (System.nanoTime() < deadline) {
            queued = queued(port);
            if (queued >= atLeast) {
                return queued;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the UDP socket on port " + port + " has " + queued + " bytes queued after "
                + TestLoop.WAIT + "; expected " + atLeast);
    }

    private static long queued(int port) {
        String hexPort = String.format(":%04X", port);
        long total = 0;
        for (String table : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                if (table.endsWith("6")) {
                    continue;
                }
                throw new UncheckedIOException(e);
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[1].endsWith(hexPort)) {
                    total += Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
                }
            }
        }
        return total;
    }
}
