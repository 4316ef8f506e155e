package io.usockets.bench.servers;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.usockets.ssl.Certificates;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Command-line entry of the comparison servers of {@code bench/run.sh}:
 * {@code java -cp benchmarks.jar io.usockets.bench.servers.HelloServers NAME [--host H] [--port P]
 * [--cert F --key F]}. It prints {@code Listening on port N} once it accepts connections and serves until SIGTERM or
 * SIGINT. The TLS server ({@code netty-epoll-tls}) uses the PEM certificate chain and PKCS#8 key given, or without
 * them a self-signed certificate for localhost and 127.0.0.1 generated at start.
 */
public final class HelloServers {

    /** The server names, as run.sh uses them. */
    public static final List<String> NAMES = List.of("netty-epoll", "netty-nio", "vertx-net", "vertx-http", "jdk-nio",
            "netty-epoll-tls");

    private HelloServers() {
    }

    /** Creates the server called {@code name}; an unknown name is an IllegalArgumentException listing the known. */
    static HelloServer create(String name) throws Exception {
        return create(name, null, null);
    }

    /**
     * Creates the server called {@code name}, a TLS one with the PEM files {@code certFile} and {@code keyFile}
     * (both null: a generated self-signed certificate); an unknown name is an IllegalArgumentException.
     */
    static HelloServer create(String name, String certFile, String keyFile) throws Exception {
        return switch (name) {
            case "netty-epoll-tls" -> new NettyHelloServer(true, nettyTls(certFile, keyFile));
            case "netty-epoll" -> new NettyHelloServer(true);
            case "netty-nio" -> new NettyHelloServer(false);
            case "vertx-net" -> new VertxHelloServer(false);
            case "vertx-http" -> new VertxHelloServer(true);
            case "jdk-nio" -> new JdkNioHelloServer();
            default -> throw new IllegalArgumentException("unknown server '" + name + "'; expected one of " + NAMES);
        };
    }

    /**
     * A Netty server context on tcnative's BoringSSL ({@link SslProvider#OPENSSL}); with null files, a fresh
     * self-signed certificate. One of the two files without the other is an IllegalArgumentException.
     */
    static SslContext nettyTls(String certFile, String keyFile) throws Exception {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("--cert and --key go together; got --cert " + certFile + " and --key "
                    + keyFile);
        }
        SslContextBuilder builder;
        if (certFile != null) {
            builder = SslContextBuilder.forServer(new File(certFile), new File(keyFile));
        } else {
            Certificates.Issued selfSigned = Certificates.selfSigned("localhost", "localhost", "127.0.0.1");
            try (InputStream cert = pemStream(selfSigned.certificatePem());
                 InputStream key = pemStream(selfSigned.privateKeyPem())) {
                builder = SslContextBuilder.forServer(cert, key);
            }
        }
        return builder.sslProvider(SslProvider.OPENSSL).build();
    }

    private static InputStream pemStream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    /** Starts the named server and serves until the JVM is told to stop. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args.length % 2 == 0) {
            System.err.println("Usage: HelloServers NAME [--host H] [--port P] [--cert F --key F]; NAME is one of "
                    + NAMES);
            System.exit(2);
        }
        String host = "127.0.0.1";
        int port = 3000;
        String cert = null;
        String key = null;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--cert" -> cert = args[i + 1];
                case "--key" -> key = args[i + 1];
                default -> {
                    System.err.println("unknown option '" + args[i] + "'; expected --host, --port, --cert or --key");
                    System.exit(2);
                }
            }
        }
        HelloServer server = create(args[0], cert, key);
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
