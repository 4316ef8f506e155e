package io.usockets.bench.servers;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Command-line entry of the comparison servers of {@code bench/run.sh}:
 * {@code java -cp benchmarks.jar io.usockets.bench.servers.HelloServers NAME [--host H] [--port P]}. It prints
 * {@code Listening on port N} once it accepts connections and serves until SIGTERM or SIGINT.
 */
public final class HelloServers {

    /** The server names, as run.sh uses them. */
    public static final List<String> NAMES = List.of("netty-epoll", "netty-nio", "vertx-net", "vertx-http", "jdk-nio");

    private HelloServers() {
    }

    /** Creates the server called {@code name}; an unknown name is an IllegalArgumentException listing the known. */
    static HelloServer create(String name) {
        return switch (name) {
            case "netty-epoll" -> new NettyHelloServer(true);
            case "netty-nio" -> new NettyHelloServer(false);
            case "vertx-net" -> new VertxHelloServer(false);
            case "vertx-http" -> new VertxHelloServer(true);
            case "jdk-nio" -> new JdkNioHelloServer();
            default -> throw new IllegalArgumentException("unknown server '" + name + "'; expected one of " + NAMES);
        };
    }

    /** Starts the named server and serves until the JVM is told to stop. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args.length % 2 == 0) {
            System.err.println("Usage: HelloServers NAME [--host H] [--port P]; NAME is one of " + NAMES);
            System.exit(2);
        }
        String host = "127.0.0.1";
        int port = 3000;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                default -> {
                    System.err.println("unknown option '" + args[i] + "'; expected --host or --port");
                    System.exit(2);
                }
            }
        }
        HelloServer server = create(args[0]);
        int bound = server.start(host, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println(args[0] + " did not close cleanly: " + e);
            }
            stopped.countDown();
        }, "hello-server-shutdown"));
        System.out.println("Listening on port " + bound);
        System.out.flush();
        stopped.await();
    }
}
