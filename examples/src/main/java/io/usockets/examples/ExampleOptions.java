package io.usockets.examples;

import io.usockets.Loop;
import io.usockets.LoopGroup;
import io.usockets.LoopOptions;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Certificates;

import java.util.List;

/**
 * The command-line options shared by the examples (docs/RULES.md B9), parsed and validated.
 *
 * <p>Options take their value as the next argument ({@code --port 3000}) or after an equals sign
 * ({@code --port=3000}). Servers accept {@code --port}, {@code --host}, {@code --backend} and the TLS options;
 * http-server and echo-server also {@code --threads}, http-server {@code --response-size}, vertx-embedded
 * {@code --tcp-port} and {@code --instances}; clients also accept {@code --connections}, {@code --pipeline},
 * {@code --duration} and {@code --warmup}. Anything else is a {@link UsageException}, which {@link Main} reports
 * with exit code 2.
 *
 * @param kind           whether the options are a server's or a client's (decides the default host)
 * @param port           the port: listened on by servers (0 = any free port), connected to by clients
 * @param host           the address: null for all interfaces (servers' default), else a name or IP literal
 *                       ({@value #DEFAULT_CLIENT_HOST} by default for clients)
 * @param backend        the loop backend name, or null for the configured default
 * @param connections    how many connections a client keeps open
 * @param pipeline       how many requests a client keeps in flight per connection
 * @param durationSeconds how long a client measures
 * @param warmupSeconds  how long a client runs before it starts measuring (0: measures from the start)
 * @param ssl            whether TLS was asked for ({@code --ssl}, or any of {@code --cert}, {@code --key},
 *                       {@code --passphrase})
 * @param certFile       the PEM certificate chain, or null
 * @param keyFile        the PEM private key, or null
 * @param passphrase     the private key's passphrase, or null
 * @param help           whether {@code --help} was given
 * @param tcpPort        the second server's port ({@code --tcp-port}, {@link Kind#HTTP_AND_TCP} only): 0 = any free
 *                       port; by default {@code port + 1}, or 0 when {@code port} is 0
 * @param threads        loops, one per thread, sharing the port ({@code --threads}, servers only; 1 by default)
 * @param instances      Vert.x verticle instances, each on its own event loop with its own us_* loop
 *                       ({@code --instances}, {@link Kind#HTTP_AND_TCP} only; 1 by default)
 * @param responseSize   the body size in bytes of every HTTP answer ({@code --response-size},
 *                       {@link Kind#HTTP_SERVER} only), or -1 for the hello page (the default)
 */
public record ExampleOptions(
        Kind kind,
        int port,
        String host,
        String backend,
        int connections,
        int pipeline,
        int durationSeconds,
        int warmupSeconds,
        boolean ssl,
        String certFile,
        String keyFile,
        String passphrase,
        boolean help,
        int tcpPort,
        int threads,
        int instances,
        int responseSize) {

    /** Whether an example listens or connects. */
    public enum Kind {
        /** Listens: {@code --host} defaults to all interfaces; {@code --threads} allowed (echo-server). */
        SERVER,
        /** Listens and answers HTTP: as {@link #SERVER}, and {@code --response-size} allowed (http-server). */
        HTTP_SERVER,
        /** Connects: {@code --host} defaults to {@value ExampleOptions#DEFAULT_CLIENT_HOST}; load options allowed. */
        CLIENT,
        /**
         * Listens on two ports: HTTP on {@code --port}, a raw TCP protocol on {@code --tcp-port}; {@code --instances}
         * allowed (vertx-embedded).
         */
        HTTP_AND_TCP
    }

    /** The default port of every example. */
    public static final int DEFAULT_PORT = 3000;
    /** The default host of clients. */
    public static final String DEFAULT_CLIENT_HOST = "127.0.0.1";
    /** The default number of client connections. */
    public static final int DEFAULT_CONNECTIONS = 100;
    /** The default number of requests in flight per client connection. */
    public static final int DEFAULT_PIPELINE = 1;
    /** The default client run time in seconds. */
    public static final int DEFAULT_DURATION_SECONDS = 10;

    private static final int MAX_CONNECTIONS = 1_000_000;
    private static final int MAX_PIPELINE = 65_536;
    private static final int MAX_DURATION_SECONDS = 86_400;
    /** The largest {@code --response-size}: 16 MiB. */
    public static final int MAX_RESPONSE_SIZE = 16 * 1024 * 1024;

    /** An option the examples do not know, a missing value, or a value out of range. */
    public static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a sentence naming the bad option and what was expected. */
        public UsageException(String message) {
            super(message);
        }
    }

    /** Parses {@code args} (the arguments after the example's name); throws {@link UsageException} on a bad one. */
    public static ExampleOptions parse(Kind kind, List<String> args) {
        int port = DEFAULT_PORT;
        String host = kind == Kind.CLIENT ? DEFAULT_CLIENT_HOST : null;
        String backend = null;
        int connections = DEFAULT_CONNECTIONS;
        int pipeline = DEFAULT_PIPELINE;
        int duration = DEFAULT_DURATION_SECONDS;
        int warmup = 0;
        boolean ssl = false;
        String cert = null;
        String key = null;
        String passphrase = null;
        boolean help = false;
        int tcpPort = -1;
        int threads = 1;
        int instances = 1;
        int responseSize = -1;

        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String inlineValue = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 2) {
                name = arg.substring(0, equals);
                inlineValue = arg.substring(equals + 1);
            }
            if (name.equals("--help") || name.equals("-h")) {
                help = true;
                continue;
            }
            if (name.equals("--ssl")) {
                if (inlineValue != null) {
                    throw new UsageException("option --ssl takes no value");
                }
                ssl = true;
                continue;
            }
            boolean clientOnly = name.equals("--connections") || name.equals("--pipeline")
                    || name.equals("--duration") || name.equals("--warmup");
            String owner = switch (name) {
                case "--tcp-port", "--instances" -> kind == Kind.HTTP_AND_TCP ? null : "vertx-embedded";
                case "--threads" -> kind == Kind.SERVER || kind == Kind.HTTP_SERVER ? null
                        : "http-server and echo-server";
                case "--response-size" -> kind == Kind.HTTP_SERVER ? null : "http-server";
                default -> null;
            };
            if (owner != null) {
                throw new UsageException("unknown option " + name + " (it belongs to " + owner + "); --help lists the "
                        + "options");
            }
            boolean known = clientOnly || name.equals("--tcp-port") || name.equals("--port") || name.equals("--host")
                    || name.equals("--backend") || name.equals("--threads") || name.equals("--instances")
                    || name.equals("--response-size") || name.equals("--cert") || name.equals("--key")
                    || name.equals("--passphrase");
            if (!known || (clientOnly && kind != Kind.CLIENT)) {
                throw new UsageException("unknown option " + (arg.startsWith("-") ? name : "'" + arg + "'")
                        + (clientOnly ? " (it belongs to http-load)" : "") + "; --help lists the options");
            }
            String value;
            if (inlineValue != null) {
                value = inlineValue;
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("option " + name + " needs a value");
            }
            switch (name) {
                case "--port" -> port = parseInt(name, value, 0, 65535);
                case "--tcp-port" -> tcpPort = parseInt(name, value, 0, 65535);
                case "--threads" -> threads = parseInt(name, value, 1, LoopGroup.MAX_LOOPS);
                case "--instances" -> instances = parseInt(name, value, 1, LoopGroup.MAX_LOOPS);
                case "--response-size" -> responseSize = parseInt(name, value, 0, MAX_RESPONSE_SIZE);
                case "--host" -> host = requireNonEmpty(name, value);
                case "--backend" -> backend = requireNonEmpty(name, value);
                case "--connections" -> connections = parseInt(name, value, 1, MAX_CONNECTIONS);
                case "--pipeline" -> pipeline = parseInt(name, value, 1, MAX_PIPELINE);
                case "--duration" -> duration = parseInt(name, value, 1, MAX_DURATION_SECONDS);
                case "--warmup" -> warmup = parseInt(name, value, 0, MAX_DURATION_SECONDS);
                case "--cert" -> {
                    cert = requireNonEmpty(name, value);
                    ssl = true;
                }
                case "--key" -> {
                    key = requireNonEmpty(name, value);
                    ssl = true;
                }
                case "--passphrase" -> {
                    passphrase = value;
                    ssl = true;
                }
                default -> throw new IllegalStateException("option " + name + " is known but not handled");
            }
        }
        if (tcpPort < 0) {
            tcpPort = port == 0 ? 0 : port + 1;
            if (tcpPort > 65535) {
                throw new UsageException("option --port " + port + " leaves no default --tcp-port (port + 1); give "
                        + "--tcp-port");
            }
        }
        return new ExampleOptions(kind, port, host, backend, connections, pipeline, duration, warmup, ssl, cert,
                key, passphrase, help, tcpPort, threads, instances, responseSize);
    }

    /** Parses {@code args}; see {@link #parse(Kind, List)}. */
    public static ExampleOptions parse(Kind kind, String... args) {
        return parse(kind, List.of(args));
    }

    /**
     * The loop options these options ask for: the backend, everything else at µSockets' defaults. A backend that is
     * not among {@link Loop#availableBackends()} is a {@link UsageException} naming the ones that are.
     */
    public LoopOptions loopOptions() {
        if (backend != null) {
            List<String> available = Loop.availableBackends();
            if (!available.contains(backend)) {
                throw new UsageException("backend '" + backend + "' is not available here; expected one of "
                        + String.join(", ", available));
            }
        }
        return LoopOptions.builder().backend(backend).build();
    }

    /**
     * The socket context options: plain without {@code --ssl}; with {@code --cert} and {@code --key} (and
     * {@code --passphrase}) TLS from those PEM files — the client certificate for {@code http-load}; {@code --ssl}
     * alone gives a server a freshly generated self-signed certificate for localhost and a client no certificate
     * (and no verification). One of {@code --cert}/{@code --key} without the other is a {@link UsageException}.
     */
    public SocketContextOptions contextOptions() {
        if (!ssl) {
            return SocketContextOptions.plain();
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new UsageException("--cert and --key go together; got only " + (certFile != null ? "--cert" : "--key"));
        }
        if (certFile != null) {
            return SocketContextOptions.tls(certFile, keyFile).withPassphrase(passphrase);
        }
        if (kind == Kind.CLIENT) {
            return SocketContextOptions.tlsClient();
        }
        Certificates.Issued selfSigned = Certificates.selfSigned("localhost", "localhost", "127.0.0.1", "::1");
        return SocketContextOptions.tlsFromPem(selfSigned.certificatePem(), selfSigned.privateKeyPem());
    }

    /** The option lines of {@code --help} for this kind of example. */
    public static String describe(Kind kind) {
        StringBuilder b = new StringBuilder();
        if (kind == Kind.SERVER || kind == Kind.HTTP_SERVER) {
            b.append("  --port N          port to listen on, 0 for any free port (default ").append(DEFAULT_PORT)
                    .append(")\n");
            b.append("  --host H          address to listen on (default: all interfaces)\n");
            b.append("  --threads N       loops, one per thread, all listening on the port (SO_REUSEPORT; default 1)\n");
            if (kind == Kind.HTTP_SERVER) {
                b.append("  --response-size N answer every request with a body of N bytes, 0 to ")
                        .append(MAX_RESPONSE_SIZE).append(" (default: the\n");
                b.append("                    hello page)\n");
            }
        } else if (kind == Kind.HTTP_AND_TCP) {
            b.append("  --port N          HTTP port (/count), 0 for any free port (default ").append(DEFAULT_PORT)
                    .append(")\n");
            b.append("  --tcp-port N      line-protocol port (INC, GET), 0 for any (default: port + 1)\n");
            b.append("  --host H          address to listen on (default: all interfaces)\n");
            b.append("  --instances N     verticle instances, each on its own event loop with its own us_* loop and\n");
            b.append("                    counter (default 1)\n");
        } else {
            b.append("  --port N          port to connect to (default ").append(DEFAULT_PORT).append(")\n");
            b.append("  --host H          host to connect to (default ").append(DEFAULT_CLIENT_HOST).append(")\n");
            b.append("  --connections N   connections to keep open (default ").append(DEFAULT_CONNECTIONS)
                    .append(")\n");
            b.append("  --pipeline N      requests in flight per connection (default ").append(DEFAULT_PIPELINE)
                    .append(")\n");
            b.append("  --duration S      seconds to measure (default ").append(DEFAULT_DURATION_SECONDS).append(")\n");
            b.append("  --warmup S        seconds of load before measuring starts (default 0)\n");
        }
        b.append("  --backend B       native, io_uring, nio, vertx or vertx-epoll (default: the usockets.backend\n");
        b.append("                    property, then USOCKETS_BACKEND, then the best that loads)\n");
        b.append("  --ssl, --cert F, --key F, --passphrase P\n");
        if (kind != Kind.CLIENT) {
            b.append("                    TLS with this PEM certificate chain and key; --ssl alone serves a\n");
            b.append("                    freshly generated self-signed certificate for localhost\n");
        } else {
            b.append("                    TLS (no server verification); --cert and --key present a client certificate\n");
        }
        b.append("  --help            this text\n");
        return b.toString();
    }

    private static int parseInt(String name, String value, int min, int max) {
        long parsed;
        try {
            parsed = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option " + name + " '" + value + "' is not a whole number; expected " + min
                    + " to " + max);
        }
        if (parsed < min || parsed > max) {
            throw new UsageException("option " + name + " " + value.trim() + " is out of range; expected " + min
                    + " to " + max);
        }
        return (int) parsed;
    }

    private static String requireNonEmpty(String name, String value) {
        if (value.isBlank()) {
            throw new UsageException("option " + name + " needs a non-empty value");
        }
        return value;
    }
}
