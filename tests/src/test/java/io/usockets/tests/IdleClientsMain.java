package io.usockets.tests;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process for {@link MemoryFootprintTest}: opens {@code count} idle TCP connections to 127.0.0.1:{@code port},
 * prints {@code connected N}, and holds them until its standard input closes. Keeping the clients out of the measured
 * JVM keeps their objects out of the measured heap.
 */
public final class IdleClientsMain {

    private IdleClientsMain() {
    }

    /** Arguments: port, count. */
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new Socket("127.0.0.1", port));
            }
            System.out.println("connected " + sockets.size());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the connections until the parent closes our input
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
