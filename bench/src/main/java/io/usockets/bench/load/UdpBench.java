package io.usockets.bench.load;

import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Timer;
import io.usockets.UdpPacketBuffer;
import io.usockets.UdpSocket;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The UDP bench, after µSockets' {@code examples/udp_benchmark.c}: a client keeps 40 ten-byte datagrams in flight
 * against an echo server that answers each received batch with one send, and counts the echoes. Each server runs in
 * its own process ({@code io.usockets.bench.servers.UdpServers}, or Node's {@code bench/node/udp-echo.js}), pinned with
 * {@code taskset} to {@code SERVER_CPU} when that is set; the client is a usockets loop in this process.
 *
 * <p>Per server and round: warm up, then over the measured window read datagrams echoed per second, the server
 * process's CPU time (utime + stime from /proc) per datagram, and for Java servers the bytes allocated per datagram by
 * all its threads. Rounds interleave the servers. Writes {@code udp.tsv} (every round), {@code results.md} (medians
 * and the ratios) and two charts into the output directory.
 *
 * <p>Usage: {@code UdpBench [--rounds N] [--duration S] [--warmup S] [--servers "a b"] [--out DIR]
 * [--client-backend B] [--root DIR]}.
 */
public final class UdpBench {

    private static final int IN_FLIGHT = 40;
    private static final int DATAGRAM = 10;
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    /** One measurement. */
    record Result(int round, String server, double datagramsPerSecond, double cpuMicrosPerDatagram,
            double bytesPerDatagram) {
    }

    private UdpBench() {
    }

    /** Runs the bench; see the class comment. */
    public static void main(String[] args) throws Exception {
        int rounds = 3;
        int duration = 5;
        int warmup = 3;
        String servers = "usockets-native usockets-nio usockets-vertx usockets-vertx-epoll netty-epoll vertx node";
        Path out = Path.of("bench/results/udp");
        Path root = Path.of(".");
        String clientBackend = "native";
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--duration" -> duration = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--servers" -> servers = args[i + 1];
                case "--out" -> out = Path.of(args[i + 1]);
                case "--root" -> root = Path.of(args[i + 1]);
                case "--client-backend" -> clientBackend = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(out);
        List<Result> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            for (String server : servers.trim().split("\\s+")) {
                Result r = measure(round, server, warmup, duration, root, clientBackend);
                System.out.printf(Locale.ROOT, "round %d %-22s %,12.0f datagrams/s %8.3f µs CPU/datagram %8.1f B/datagram%n",
                        round, server, r.datagramsPerSecond(), r.cpuMicrosPerDatagram(), r.bytesPerDatagram());
                results.add(r);
            }
        }
        write(results, out, rounds, duration, warmup, clientBackend);
    }

    /** Starts the server, loads it for warmup + duration seconds and stops it. */
    static Result measure(int round, String server, int warmup, int duration, Path root, String clientBackend)
            throws Exception {
        List<String> command = new ArrayList<>();
        String cpu = System.getenv("SERVER_CPU");
        if (cpu != null && !cpu.isBlank()) {
            command.addAll(List.of("taskset", "-c", cpu));
        }
        boolean java = !server.equals("node");
        if (java) {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            String opts = System.getenv("JAVA_OPTS");
            if (opts != null && !opts.isBlank()) {
                command.addAll(List.of(opts.trim().split("\\s+")));
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    "io.usockets.bench.servers.UdpServers", server, "0"));
        } else {
            command.addAll(List.of("node", root.resolve("bench/node/udp-echo.js").toString(), "--port", "0"));
        }
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.US_ASCII));
            PrintStream commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.US_ASCII);
            int port = -1;
            String line;
            while (port < 0 && (line = lines.readLine()) != null) {
                if (line.startsWith("Listening on port ")) {
                    port = Integer.parseInt(line.substring("Listening on port ".length()).trim());
                }
            }
            if (port < 0) {
                throw new IllegalStateException(server + " ended before listening");
            }
            try (Client client = Client.start(clientBackend, port)) {
                Thread.sleep(warmup * 1000L);
                long allocated0 = java ? allocated(commands, lines) : 0;
                long cpu0 = cpuTicks(process.pid());
                long echoed0 = client.echoed.get();
                long t0 = System.nanoTime();
                Thread.sleep(duration * 1000L);
                long echoed1 = client.echoed.get();
                long t1 = System.nanoTime();
                long cpu1 = cpuTicks(process.pid());
                long allocated1 = java ? allocated(commands, lines) : 0;
                long datagrams = Math.max(1, echoed1 - echoed0);
                double seconds = (t1 - t0) / 1e9;
                double cpuMicros = (cpu1 - cpu0) * 1e6 / CLOCK_TICKS_PER_SECOND;
                return new Result(round, server, datagrams / seconds, cpuMicros / datagrams,
                        java ? (double) (allocated1 - allocated0) / datagrams : Double.NaN);
            }
        } finally {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static long allocated(PrintStream commands, BufferedReader lines) throws IOException {
        commands.println("stats");
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("allocated ")) {
                return Long.parseLong(line.substring("allocated ".length()).trim());
            }
        }
        throw new IllegalStateException("the server ended before answering stats");
    }

    /** utime + stime of a process, in clock ticks. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After the command name: state is field 3 of the file, utime field 14 and stime field 15.
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /**
     * The load: one usockets loop on its own thread with one UDP socket that keeps {@link #IN_FLIGHT} datagrams of
     * {@link #DATAGRAM} bytes in flight: every batch that comes back is sent again with one send. A timer refills the
     * window when nothing came back for 100 ms (datagrams lost).
     */
    static final class Client implements AutoCloseable {
        final AtomicLong echoed = new AtomicLong();
        private final Thread thread;
        private final CompletableFuture<Loop> loop = new CompletableFuture<>();

        private Client(String backend, int port) {
            thread = new Thread(() -> run(backend, port), "udp-bench-client");
            thread.setDaemon(true);
            thread.start();
            loop.join();
        }

        static Client start(String backend, int port) {
            return new Client(backend, port);
        }

        private void run(String backend, int port) {
            Loop l = Loop.create(LoopOptions.builder().backend(backend).build());
            UdpPacketBuffer buffer = UdpPacketBuffer.create(64, 64);
            UdpSocket<Void> socket = l.createUdpSocket("127.0.0.1", 0, buffer, (s, b, n) -> {
                echoed.addAndGet(n);
                s.send(b, n);
            }, null);
            byte[] server = {127, 0, 0, 1};
            byte[] payload = new byte[DATAGRAM];
            Runnable fill = () -> {
                for (int i = 0; i < IN_FLIGHT; i++) {
                    buffer.setPayload(i, payload, 0, DATAGRAM, server, port);
                }
                socket.send(buffer, IN_FLIGHT);
            };
            fill.run();
            Timer<long[]> refill = l.createTimer(true);
            refill.setExt(new long[] {-1});
            refill.set(t -> {
                long now = echoed.get();
                if (now == t.ext()[0]) {
                    fill.run();
                }
                t.ext()[0] = now;
            }, 100, 100);
            loop.complete(l);
            l.run();
        }

        @Override
        public void close() throws InterruptedException {
            Loop l = loop.join();
            l.defer(l::free);
            thread.join(10_000);
        }
    }

    static void write(List<Result> results, Path out, int rounds, int duration, int warmup,
            String clientBackend) throws IOException {
        StringBuilder tsv = new StringBuilder("# round\tserver\tdatagrams_per_s\tserver_cpu_us_per_datagram"
                + "\tbytes_allocated_per_datagram\n");
        Map<String, List<Result>> byServer = new LinkedHashMap<>();
        for (Result r : results) {
            tsv.append(String.format(Locale.ROOT, "%d\t%s\t%.0f\t%.4f\t%.2f%n", r.round(), r.server(),
                    r.datagramsPerSecond(), r.cpuMicrosPerDatagram(), r.bytesPerDatagram()));
            byServer.computeIfAbsent(r.server(), k -> new ArrayList<>()).add(r);
        }
        Files.writeString(out.resolve("udp.tsv"), tsv);
        StringBuilder md = new StringBuilder("# UDP echo: 40 ten-byte datagrams in flight\n\n");
        md.append(String.format(Locale.ROOT, "%d rounds, servers interleaved; %d s warm-up and %d s measured per "
                + "server and round; client: a usockets loop on %s in the bench process. Medians over the rounds. "
                + "Server CPU is the server process's utime + stime from /proc (all its threads), per datagram "
                + "echoed; bytes allocated are summed over all the server's threads (Java servers only).%n%n",
                rounds, warmup, duration, clientBackend));
        md.append("| server | datagrams/s | server CPU µs/datagram | datagrams per server CPU-second | "
                + "bytes allocated/datagram |\n|---|---:|---:|---:|---:|\n");
        Map<String, double[]> medians = new LinkedHashMap<>();
        for (Map.Entry<String, List<Result>> e : byServer.entrySet()) {
            double rate = Rounds.median(e.getValue().stream().map(Result::datagramsPerSecond).toList());
            double cpu = Rounds.median(e.getValue().stream().map(Result::cpuMicrosPerDatagram).toList());
            double bytes = Rounds.median(e.getValue().stream().map(Result::bytesPerDatagram).toList());
            medians.put(e.getKey(), new double[] {rate, cpu, bytes});
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.3f | %,.0f | %s |%n", e.getKey(), rate, cpu,
                    1e6 / cpu, Double.isNaN(bytes) ? "n/a" : String.format(Locale.ROOT, "%.1f", bytes)));
        }
        md.append('\n');
        ratio(md, medians, "usockets-native", "netty-epoll", 1, "server CPU per datagram, native / Netty epoll",
                "target at most 0.7");
        ratio(md, medians, "node", "usockets-native", 1, "datagrams per server CPU-second, native / Node "
                + "(Node's CPU per datagram over native's)", "target at least 3");
        md.append("\n![datagrams per second](udp-datagrams-per-second.png)\n");
        md.append("\n![server CPU per datagram](udp-cpu-per-datagram.png)\n");
        Files.writeString(out.resolve("results.md"), md);
        chart(medians, 0, "UDP echo, 40 datagrams in flight: datagrams / s (higher is better)", "datagrams / s",
                out.resolve("udp-datagrams-per-second.png"));
        chart(medians, 1, "UDP echo: server CPU µs per datagram (lower is better)", "µs / datagram",
                out.resolve("udp-cpu-per-datagram.png"));
    }

    private static void ratio(StringBuilder md, Map<String, double[]> medians, String a, String b, int column,
            String what, String target) {
        if (medians.containsKey(a) && medians.containsKey(b)) {
            md.append(String.format(Locale.ROOT, "- %s: %.2f (%s)%n", what, medians.get(a)[column]
                    / medians.get(b)[column], target));
        }
    }

    private static void chart(Map<String, double[]> medians, int column, String title, String axis, Path file)
            throws IOException {
        List<String> servers = new ArrayList<>(medians.keySet());
        List<Double> values = new ArrayList<>();
        for (String s : servers) {
            values.add(medians.get(s)[column]);
        }
        CategoryChart chart = Report.styled(new CategoryChartBuilder().width(1000).height(520).title(title)
                .xAxisTitle("server").yAxisTitle(axis).build());
        if (column == 1) {
            chart.getStyler().setYAxisDecimalPattern("#,##0.00");
        }
        chart.addSeries("median", servers, values);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        new Report.Chart(chart).saveAs(file);
    }
}
