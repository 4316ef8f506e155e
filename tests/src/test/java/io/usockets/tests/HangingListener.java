package io.usockets.tests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback listener that never accepts and whose accept queue is full, so a new connect to it hangs: the kernel
 * drops its SYN (Linux, and gVisor, queue {@code backlog + 1} connections and drop SYNs beyond). It is filled with
 * blocking java.net clients, each of which completes only once the kernel has queued it, so the queue is known to
 * be full when {@link #open} returns; no waiting for time.
 */
final class HangingListener implements AutoCloseable {

    /** The listener's backlog: the kernel queues one more than this. */
    private static final int BACKLOG = 1;

    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    private HangingListener(ServerSocket server) {
        this.server = server;
    }

    /** A full listener on {@code address}:{@code port} (0: an ephemeral port). */
    static HangingListener open(InetAddress address, int port) throws IOException {
        ServerSocket server = new ServerSocket();
        HangingListener listener = new HangingListener(server);
        try {
            server.bind(new InetSocketAddress(address, port), BACKLOG);
            for (int i = 0; i < BACKLOG + 1; i++) {
                Socket filler = new Socket();
                listener.fillers.add(filler);
                filler.connect(server.getLocalSocketAddress(), JavaNetPeers.SO_TIMEOUT_MS);
            }
            return listener;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    /** The listening port. */
    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
