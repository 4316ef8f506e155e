package io.usockets.bench.soak;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of {@code bench/soak.sh}: connection churn at a fixed rate against several HTTP servers at once,
 * {@code ChurnClient --target NAME=PORT[:tls] ... --rate OPS_PER_SECOND --minutes M --out FILE [--seed S]}.
 *
 * <p>Each target gets {@code --rate} operations per second, each a fresh connection doing one of {@link Op}'s
 * kinds, picked at random (seeded): keep-alive requests closed by the client, a reset after a request, a half-close
 * that the server answers by closing, a request cut in half by a reset, a connection closed before anything is
 * sent, 16 pipelined requests, or an idle connection that the server's idle timeout must close. Every minute it
 * appends one row per target to {@code --out}: minute, target, operations done, errors, idle connections the server
 * closed, operations not started because the workers were all busy, and the median and 99th percentile of the
 * time to the first response of a keep-alive operation in microseconds (the server loop's responsiveness as a
 * client sees it). Errors are printed with their cause as they happen; the process exits with status 1 if there was
 * any.
 */
public final class ChurnClient {

    /** What one operation does with its connection. */
    enum Op {
        /** 1 to 8 requests, each answered in turn, then the client closes (FIN). */
        KEEP_ALIVE(40),
        /** One request, answered, then the client resets (SO_LINGER 0). */
        RESET(15),
        /** One request and a half-close; the server answers and closes. Over TLS: close_notify and close instead. */
        HALF_CLOSE(15),
        /** Half a request, then a reset. */
        ABORT(10),
        /** Connect and close at once, sending nothing (over TLS: before the handshake). */
        CONNECT_ONLY(10),
        /** 16 requests in one write, 16 answers. */
        PIPELINE(5),
        /** Connect (and handshake), send nothing, wait for the server's idle timeout to close it. */
        IDLE(5);

        final int weight;

        Op(int weight) {
            this.weight = weight;
        }

        /** An operation drawn with the weights above. */
        static Op pick(Random random) {
            int n = random.nextInt(100);
            for (Op op : values()) {
                n -= op.weight;
                if (n < 0) {
                    return op;
                }
            }
            throw new AssertionError("weights do not add up to 100");
        }
    }

    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** How long an idle connection may wait for the server to close it: its idle timeout plus the sweep's slack. */
    static final int IDLE_LIMIT_SECONDS = 90;
    private static final int IO_TIMEOUT_MS = 20_000;

    /** One server under load and its counters for the current minute. */
    static final class Target {
        final String name;
        final int port;
        final boolean tls;
        final Random random;
        final AtomicLong ops = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong idleClosed = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final Latencies latencies = new Latencies(100_000);

        Target(String name, int port, boolean tls, long seed) {
            this.name = name;
            this.port = port;
            this.tls = tls;
            this.random = new Random(seed);
        }

        /** Parses {@code NAME=PORT} or {@code NAME=PORT:tls}. */
        static Target parse(String spec, long seed) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--target '" + spec + "': expected NAME=PORT or NAME=PORT:tls");
            }
            String rest = spec.substring(eq + 1);
            boolean tls = rest.endsWith(":tls");
            int port = Integer.parseInt(tls ? rest.substring(0, rest.length() - 4) : rest);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("--target '" + spec + "': port " + port + " is out of range");
            }
            return new Target(spec.substring(0, eq), port, tls, seed ^ spec.hashCode());
        }
    }

    /** A bounded sample of durations for one minute; thread-safe, cleared when read. */
    static final class Latencies {
        private final long[] values;
        private int count;

        Latencies(int capacity) {
            values = new long[capacity];
        }

        synchronized void add(long micros) {
            if (count < values.length) {
                values[count++] = micros;
            }
        }

        /** The median and 99th percentile of the sample, then an empty sample; {-1, -1} when there was none. */
        synchronized long[] drain() {
            if (count == 0) {
                return new long[] {-1, -1};
            }
            long[] sorted = Arrays.copyOf(values, count);
            Arrays.sort(sorted);
            count = 0;
            return new long[] {sorted[(sorted.length - 1) / 2], sorted[(int) Math.ceil(sorted.length * 0.99) - 1]};
        }
    }

    private final List<Target> targets;
    private final SSLContext trustAll;
    private final PrintStream errorLog;

    ChurnClient(List<Target> targets, PrintStream errorLog) throws GeneralSecurityException {
        this.targets = targets;
        this.errorLog = errorLog;
        trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
    }

    /** Runs one operation against {@code target}; a failure counts as an error and is printed with its cause. */
    void run(Target target, Op op) {
        try {
            switch (op) {
                case KEEP_ALIVE -> {
                    int requests = 1 + nextInt(target, 8);
                    try (Socket socket = open(target)) {
                        for (int i = 0; i < requests; i++) {
                            long start = System.nanoTime();
                            request(socket, 1);
                            if (i == 0) {
                                target.latencies.add((System.nanoTime() - start) / 1000);
                            }
                        }
                    }
                }
                case RESET -> {
                    try (Socket socket = open(target)) {
                        request(socket, 1);
                        socket.setSoLinger(true, 0);
                    }
                }
                case HALF_CLOSE -> {
                    try (Socket socket = open(target)) {
                        socket.getOutputStream().write(REQUEST);
                        if (target.tls) {
                            readResponses(socket.getInputStream(), 1);
                        } else {
                            socket.shutdownOutput();
                            readResponses(socket.getInputStream(), 1);
                            expectEnd(socket, "after a half-close");
                        }
                    }
                }
                case ABORT -> {
                    try (Socket socket = open(target)) {
                        socket.getOutputStream().write(REQUEST, 0, REQUEST.length / 2);
                        socket.getOutputStream().flush();
                        socket.setSoLinger(true, 0);
                    }
                }
                case CONNECT_ONLY -> {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", target.port), IO_TIMEOUT_MS);
                    }
                }
                case PIPELINE -> {
                    try (Socket socket = open(target)) {
                        request(socket, 16);
                    }
                }
                case IDLE -> {
                    try (Socket socket = open(target)) {
                        socket.setSoTimeout(IDLE_LIMIT_SECONDS * 1000);
                        expectEnd(socket, "while idle");
                        target.idleClosed.incrementAndGet();
                    }
                }
            }
            target.ops.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            target.errors.incrementAndGet();
            errorLog.println(target.name + ": " + op + " failed: " + e);
        }
    }

    private static int nextInt(Target target, int bound) {
        synchronized (target.random) {
            return target.random.nextInt(bound);
        }
    }

    private Socket open(Target target) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress("127.0.0.1", target.port), IO_TIMEOUT_MS);
            plain.setSoTimeout(IO_TIMEOUT_MS);
            plain.setTcpNoDelay(true);
            if (!target.tls) {
                return plain;
            }
            SSLSocket tls = (SSLSocket) trustAll.getSocketFactory().createSocket(plain, "localhost", target.port, true);
            tls.startHandshake();
            return tls;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** Writes {@code count} requests at once and reads as many whole responses. */
    private static void request(Socket socket, int count) throws IOException {
        OutputStream out = socket.getOutputStream();
        byte[] requests = count == 1 ? REQUEST : new byte[REQUEST.length * count];
        for (int i = 0; count > 1 && i < count; i++) {
            System.arraycopy(REQUEST, 0, requests, i * REQUEST.length, REQUEST.length);
        }
        out.write(requests);
        out.flush();
        readResponses(socket.getInputStream(), count);
    }

    /** Reads {@code count} responses, each a header ending in an empty line and a Content-Length body. */
    static void readResponses(InputStream in, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            StringBuilder header = new StringBuilder();
            while (header.length() < 4 || !header.substring(header.length() - 4).equals("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection ended inside response " + (i + 1) + " of " + count);
                }
                if (header.length() > 8192) {
                    throw new IOException("response header longer than 8 KiB");
                }
                header.append((char) b);
            }
            long length = -1;
            for (String line : header.toString().split("\r\n")) {
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            if (length < 0) {
                throw new IOException("response without Content-Length: " + header.toString().trim());
            }
            in.skipNBytes(length);
        }
    }

    private static void expectEnd(Socket socket, String when) throws IOException {
        int b = socket.getInputStream().read();
        if (b >= 0) {
            throw new IOException("expected the server to close " + when + "; it sent a byte");
        }
    }

    /** Starts the load and writes one row per target per minute for {@code minutes} minutes. */
    boolean load(int ratePerTarget, int minutes, Path out) throws IOException, InterruptedException {
        // Workers for the short operations; idle ones wait on threads of their own (their count is bounded by the
        // rate times the server's idle timeout).
        ThreadPoolExecutor workers = (ThreadPoolExecutor) Executors.newFixedThreadPool(32);
        ExecutorService idlers = Executors.newCachedThreadPool();
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(1);
        long periodMicros = 1_000_000L / ratePerTarget;
        for (Target target : targets) {
            clock.scheduleAtFixedRate(() -> {
                Op op;
                synchronized (target.random) {
                    op = Op.pick(target.random);
                }
                try {
                    if (op == Op.IDLE) {
                        idlers.execute(() -> run(target, op));
                    } else if (workers.getQueue().size() > 1000) {
                        target.skipped.incrementAndGet();
                    } else {
                        workers.execute(() -> run(target, op));
                    }
                } catch (RejectedExecutionException e) {
                    target.skipped.incrementAndGet();
                }
            }, 0, periodMicros, TimeUnit.MICROSECONDS);
        }
        long errors = 0;
        Files.writeString(out, "# minute\ttarget\toperations\terrors\tidle_closed_by_server\tskipped"
                + "\tfirst_response_p50_us\tfirst_response_p99_us\n");
        for (int minute = 1; minute <= minutes; minute++) {
            Thread.sleep(60_000);
            StringBuilder rows = new StringBuilder();
            for (Target t : targets) {
                long[] latency = t.latencies.drain();
                long e = t.errors.getAndSet(0);
                errors += e;
                rows.append(minute).append('\t').append(t.name).append('\t').append(t.ops.getAndSet(0)).append('\t')
                        .append(e).append('\t').append(t.idleClosed.getAndSet(0)).append('\t')
                        .append(t.skipped.getAndSet(0)).append('\t').append(latency[0]).append('\t')
                        .append(latency[1]).append('\n');
            }
            Files.writeString(out, rows, java.nio.file.StandardOpenOption.APPEND);
            System.out.print(rows);
            System.out.flush();
        }
        clock.shutdownNow();
        workers.shutdownNow();
        idlers.shutdownNow();
        return errors == 0;
    }

    /** Parses the options, runs the load, exits 1 if any operation failed. */
    public static void main(String[] args) throws Exception {
        List<String> specs = new ArrayList<>();
        int rate = 20;
        int minutes = 30;
        long seed = System.nanoTime();
        Path out = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--target" -> specs.add(args[i + 1]);
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--minutes" -> minutes = Integer.parseInt(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option '" + args[i]
                        + "'; expected --target, --rate, --minutes, --seed or --out");
            }
        }
        if (specs.isEmpty() || out == null || rate < 1 || rate > 10_000 || minutes < 1) {
            throw new IllegalArgumentException("usage: ChurnClient --target NAME=PORT[:tls] ... --rate 1..10000 "
                    + "--minutes M --out FILE [--seed S]");
        }
        List<Target> targets = new ArrayList<>();
        for (String spec : specs) {
            targets.add(Target.parse(spec, seed));
        }
        System.out.println("ChurnClient seed " + seed);
        boolean clean = new ChurnClient(targets, System.err).load(rate, minutes, out);
        System.exit(clean ? 0 : 1);
    }
}
