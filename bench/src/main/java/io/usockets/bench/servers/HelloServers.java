package io.usockets.bench.servers;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Command-line entry of the comparison servers of {@code bench/run.sh}:
 * {@code java -cp benchmarks.jar io.usockets.bench.servers.HelloServers NAME [--host H] [--port P]
 * [--cert F --key F] [--response-size N]}. It prints {@code Listening on port N} once it accepts connections and
 * serves until SIGTERM or SIGINT. {@code --response-size N} answers every request with a body of N bytes (0 to
 * 16 MiB, made once at start) instead of the hello page. The TLS servers ({@code netty-epoll-tls} and
 * {@code netty-io_uring-tls}, Netty's {@code SslHandler} on tcnative, and {@code vertx-net-tls}, a Vert.x NetServer
 * with its OpenSSL engine options) use the PEM certificate chain and PKCS#8 key given, or without them a self-signed
 * certificate for localhost and 127.0.0.1 generated at start.
 */
public final class HelloServers {

    /** The server names, as run.sh uses them. */
    public static final List<String> NAMES = List.of("netty-epoll", "netty-io_uring", "netty-nio", "vertx-net",
            "vertx-http", "jdk-nio", "netty-epoll-tls", "netty-io_uring-tls", "vertx-net-tls");

    private HelloServers() {
    }

    /** Creates the server called {@code name}; an unknown name is an IllegalArgumentException listing the known. */
    static HelloServer create(String name) throws Exception {
        return create(name, null, null, HelloResponse.HELLO);
    }

    /**
     * Creates the server called {@code name} answering with {@code answer}, a TLS one with the PEM files
     * {@code certFile} and {@code keyFile} (both null: a generated self-signed certificate); an unknown name is an
     * IllegalArgumentException.
     */
    static HelloServer create(String name, String certFile, String keyFile, HelloResponse answer) throws Exception {
        return switch (name) {
            case "netty-epoll-tls" -> new NettyHelloServer(NettyHelloServer.Transport.EPOLL,
                    nettyTls(certFile, keyFile), answer);
            case "netty-io_uring-tls" -> new NettyHelloServer(NettyHelloServer.Transport.IO_URING,
                    nettyTls(certFile, keyFile), answer);
            case "vertx-net-tls" -> new VertxHelloServer(false, ServerPem.of(certFile, keyFile), answer);
            case "netty-epoll" -> new NettyHelloServer(NettyHelloServer.Transport.EPOLL, null, answer);
            case "netty-io_uring" -> new NettyHelloServer(NettyHelloServer.Transport.IO_URING, null, answer);
            case "netty-nio" -> new NettyHelloServer(NettyHelloServer.Transport.NIO, null, answer);
            case "vertx-net" -> new VertxHelloServer(false, null, answer);
            case "vertx-http" -> new VertxHelloServer(true, null, answer);
            case "jdk-nio" -> new JdkNioHelloServer(answer);
            default -> throw new IllegalArgumentException("unknown server '" + name + "'; expected one of " + NAMES);
        };
    }

    /**
     * A Netty server context on tcnative's BoringSSL ({@link SslProvider#OPENSSL}) with the PEM files, or with null
     * files a fresh self-signed certificate. One of the two files without the other is an IllegalArgumentException.
     */
    static SslContext nettyTls(String certFile, String keyFile) throws Exception {
        ServerPem pem = ServerPem.of(certFile, keyFile);
        try (InputStream cert = pemStream(pem.certificateChain()); InputStream key = pemStream(pem.privateKey())) {
            return SslContextBuilder.forServer(cert, key).sslProvider(SslProvider.OPENSSL).build();
        }
    }

    private static InputStream pemStream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    /** Parses {@code --response-size}: 0 to {@link HelloResponse#MAX_BODY_SIZE}, else an IllegalArgumentException. */
    static int responseSize(String value) {
        int size;
        try {
            size = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option --response-size '" + value + "' is not a whole number; expected"
                    + " 0 to " + HelloResponse.MAX_BODY_SIZE);
        }
        if (size < 0 || size > HelloResponse.MAX_BODY_SIZE) {
            throw new IllegalArgumentException("option --response-size " + size + " is out of range; expected 0 to "
                    + HelloResponse.MAX_BODY_SIZE);
        }
        return size;
    }

    /** Starts the named server and serves until the JVM is told to stop. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args.length % 2 == 0) {
            System.err.println("Usage: HelloServers NAME [--host H] [--port P] [--cert F --key F] [--response-size N];"
                    + " NAME is one of " + NAMES);
            System.exit(2);
        }
        String host = "127.0.0.1";
        int port = 3000;
        String cert = null;
        String key = null;
        int responseSize = -1;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--cert" -> cert = args[i + 1];
                case "--key" -> key = args[i + 1];
                case "--response-size" -> {
                    try {
                        responseSize = responseSize(args[i + 1]);
                    } catch (IllegalArgumentException e) {
                        System.err.println(e.getMessage());
                        System.exit(2);
                    }
                }
                default -> {
                    System.err.println("unknown option '" + args[i] + "'; expected --host, --port, --cert, --key or "
                            + "--response-size");
                    System.exit(2);
                }
            }
        }
        HelloServer server = create(args[0], cert, key, HelloResponse.of(responseSize));
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
