package io.usockets.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The client of {@code bench/run.sh}'s connection-memory run, in a process of its own:
 * {@code IdleClient --host H --port P --connections N} opens N connections one after another, prints
 * {@code Connected N}, then holds them, sending nothing, until it is killed. Every socket has SO_LINGER 0, so when
 * the process ends its connections are reset rather than left in TIME_WAIT (10 000 of those per server would use
 * up the ephemeral ports over a whole run).
 */
public final class IdleClient {

    private IdleClient() {
    }

    /** Opens the connections and waits to be killed. */
    public static void main(String[] args) throws IOException, InterruptedException {
        String host = "127.0.0.1";
        int port = -1;
        int connections = 10_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option '" + args[i]
                        + "'; expected --host, --port or --connections");
            }
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; pass --port 1..65535");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        List<SocketChannel> open = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            SocketChannel channel = SocketChannel.open(address);
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            open.add(channel);
        }
        System.out.println("Connected " + open.size());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
