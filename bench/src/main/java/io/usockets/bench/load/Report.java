package io.usockets.bench.load;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the raw measurements of {@code bench/run.sh} into {@code results.md} and PNG charts: {@code Report DIR}
 * reads, each when present, the requests-per-second files of the three clients, plain and TLS
 * ({@code [tls-]throughput.tsv} for wrk, {@code [tls-]http-load-throughput.tsv},
 * {@code [tls-]pipelined-throughput.tsv}) and {@code handshakes.tsv} (round, server, requests or full handshakes per
 * second, errors, the server's CPU microseconds per request or handshake, the user-space part of them), {@code memory.tsv} (server, connections,
 * heap bytes before and after, RSS KiB before and after) and {@code meta.md}, and writes {@code results.md} with one
 * PNG chart per file read: {@code [tls-]requests-per-second.png}, {@code [tls-]http-load-requests-per-second.png},
 * {@code [tls-]pipelined-requests-per-second.png}, {@code tls-handshakes-per-second.png} and
 * {@code memory-per-connection.png}. The send-size sweep's {@code [tls-]sizes.tsv} (see {@link SizeSweep}) adds its
 * section and the charts {@code [tls-]sizes-requests-per-second.png} and {@code [tls-]sizes-cpu-per-request.png}.
 */
public final class Report {

    /** A comparison the results quote, with the target when it has one (0 = none). */
    private record Pair(String a, String b, double target) {
    }

    private static final List<Pair> THROUGHPUT_PAIRS = List.of(
            new Pair("usockets-native", "netty-epoll", 1.1),
            new Pair("usockets-native", "node-http", 2.0),
            new Pair("usockets-nio", "netty-nio", 1.0),
            new Pair("usockets-nio", "node-http", 0),
            new Pair("usockets-nio", "netty-epoll", 0),
            new Pair("usockets-nio", "jdk-nio", 0),
            new Pair("usockets-nio", "vertx-net", 0),
            new Pair("usockets-vertx", "vertx-net", 0),
            new Pair("usockets-vertx-epoll", "vertx-net", 1.2));

    /** TLS requests per second; the targets are issue 5's, for the TLS layer on every backend. */
    private static final List<Pair> TLS_PAIRS = List.of(
            new Pair("usockets-native-tls", "netty-epoll-tls", 1.2),
            new Pair("usockets-native-tls", "node-https", 2.0),
            new Pair("usockets-nio-tls", "netty-epoll-tls", 1.2),
            new Pair("usockets-nio-tls", "node-https", 2.0),
            new Pair("usockets-native-tls", "node-tls", 0),
            new Pair("usockets-nio-tls", "node-tls", 0),
            new Pair("usockets-vertx-tls", "netty-epoll-tls", 0));

    /** TLS handshakes per second: no target in the issue, the same pairs reported. */
    private static final List<Pair> HANDSHAKE_PAIRS = TLS_PAIRS.stream()
            .map(p -> new Pair(p.a(), p.b(), 0)).toList();

    /** Heap per connection: how many times the reference (b) needs what the usockets server (a) needs. */
    private static final List<Pair> MEMORY_PAIRS = List.of(
            new Pair("usockets-native", "netty-epoll", 10),
            new Pair("usockets-nio", "netty-nio", 0),
            new Pair("usockets-nio", "netty-epoll", 0),
            new Pair("usockets-nio", "vertx-net", 0),
            new Pair("usockets-nio", "node-net", 0));

    /** One memory measurement. */
    private record Memory(String server, long connections, long heapBefore, long heapAfter, long rssBeforeKib,
                          long rssAfterKib) {
        double heapPerConnection() {
            return (double) (heapAfter - heapBefore) / connections;
        }

        double rssPerConnection() {
            return (double) (rssAfterKib - rssBeforeKib) * 1024 / connections;
        }
    }

    private Report() {
    }

    /** Writes the report for the results directory given as the only argument. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("expected one argument, the results directory; got "
                    + Arrays.toString(args));
        }
        Path dir = Path.of(args[0]);
        Rounds plain = Rounds.read(dir.resolve("throughput.tsv"), 6);
        Rounds loaded = Rounds.read(dir.resolve("http-load-throughput.tsv"), 6);
        Rounds pipelined = Rounds.read(dir.resolve("pipelined-throughput.tsv"), 6);
        Rounds tls = Rounds.read(dir.resolve("tls-throughput.tsv"), 6);
        Rounds tlsLoaded = Rounds.read(dir.resolve("tls-http-load-throughput.tsv"), 6);
        Rounds tlsPipelined = Rounds.read(dir.resolve("tls-pipelined-throughput.tsv"), 6);
        Rounds handshakes = Rounds.read(dir.resolve("handshakes.tsv"), 6);
        List<Memory> memory = new ArrayList<>();
        Path memoryFile = dir.resolve("memory.tsv");
        if (Files.exists(memoryFile)) {
            for (String[] row : Rounds.rows(memoryFile, 6)) {
                memory.add(new Memory(row[0], Long.parseLong(row[1]), Long.parseLong(row[2]), Long.parseLong(row[3]),
                        Long.parseLong(row[4]), Long.parseLong(row[5])));
            }
        }
        StringBuilder md = new StringBuilder("# Benchmark results\n\n");
        Path meta = dir.resolve("meta.md");
        if (Files.exists(meta)) {
            md.append(Files.readString(meta)).append('\n');
        }
        roundsSection(md, "Requests per second, wrk (one request in flight per connection; one round per column, "
                + "median last)", plain, "request", THROUGHPUT_PAIRS, "requests-per-second.png");
        roundsSection(md, "Requests per second, http-load (one request in flight per connection; one round per "
                + "column, median last)", loaded, "request", THROUGHPUT_PAIRS, "http-load-requests-per-second.png");
        roundsSection(md, "Requests per second, http-load pipelined (one round per column, median last)",
                pipelined, "request", THROUGHPUT_PAIRS, "pipelined-requests-per-second.png");
        roundsSection(md, "TLS: requests per second, wrk over https (one round per column, median last)", tls,
                "request", TLS_PAIRS, "tls-requests-per-second.png");
        roundsSection(md, "TLS: requests per second, http-load --ssl (one round per column, median last)",
                tlsLoaded, "request", TLS_PAIRS, "tls-http-load-requests-per-second.png");
        roundsSection(md, "TLS: requests per second, http-load --ssl pipelined (one round per column, median last)",
                tlsPipelined, "request", TLS_PAIRS, "tls-pipelined-requests-per-second.png");
        roundsSection(md, "TLS: full handshakes per second (openssl s_time -new, one round per column, median last)",
                handshakes, "handshake", HANDSHAKE_PAIRS, "tls-handshakes-per-second.png");
        memorySection(md, memory);
        SizeSweep sizes = SizeSweep.read(dir.resolve("sizes.tsv"));
        SizeSweep tlsSizes = SizeSweep.read(dir.resolve("tls-sizes.tsv"));
        if (!sizes.isEmpty()) {
            sizes.section(md, "Send-size sweep (http-load, one request in flight per connection)",
                    "sizes-requests-per-second.png", "sizes-cpu-per-request.png");
            sizes.charts("Plain", dir.resolve("sizes-requests-per-second.png"), dir.resolve("sizes-cpu-per-request.png"));
        }
        if (!tlsSizes.isEmpty()) {
            tlsSizes.section(md, "TLS: send-size sweep (http-load --ssl, one request in flight per connection)",
                    "tls-sizes-requests-per-second.png", "tls-sizes-cpu-per-request.png");
            tlsSizes.charts("TLS", dir.resolve("tls-sizes-requests-per-second.png"),
                    dir.resolve("tls-sizes-cpu-per-request.png"));
        }
        Files.writeString(dir.resolve("results.md"), md.toString(), StandardCharsets.UTF_8);
        chart("Requests per second (wrk)", plain, dir.resolve("requests-per-second.png"));
        chart("Requests per second (http-load)", loaded, dir.resolve("http-load-requests-per-second.png"));
        chart("Requests per second (http-load, pipelined)", pipelined, dir.resolve("pipelined-requests-per-second.png"));
        chart("TLS requests per second (wrk)", tls, dir.resolve("tls-requests-per-second.png"));
        chart("TLS requests per second (http-load)", tlsLoaded, dir.resolve("tls-http-load-requests-per-second.png"));
        chart("TLS requests per second (http-load, pipelined)", tlsPipelined,
                dir.resolve("tls-pipelined-requests-per-second.png"));
        if (!handshakes.values().isEmpty()) {
            roundsChart("TLS full handshakes per second", handshakes)
                    .saveAs(dir.resolve("tls-handshakes-per-second.png"));
        }
        if (!memory.isEmpty()) {
            memoryChart(memory).saveAs(dir.resolve("memory-per-connection.png"));
        }
        System.out.println("Wrote " + dir.resolve("results.md"));
    }

    /** Draws the chart of {@code data} into {@code file} when it holds any measurement. */
    private static void chart(String what, Rounds data, Path file) throws IOException {
        if (!data.values().isEmpty()) {
            roundsChart(what, data).saveAs(file);
        }
    }

    private static void roundsSection(StringBuilder md, String title, Rounds data, String unit, List<Pair> pairs,
                                      String chartFile) {
        Map<String, TreeMap<Integer, Double>> rps = data.values();
        if (rps.isEmpty()) {
            return;
        }
        boolean cpu = !data.cpu().isEmpty();
        boolean user = !data.user().isEmpty();
        int rounds = rps.values().stream().mapToInt(TreeMap::size).max().orElse(0);
        md.append("## ").append(title).append("\n\n| server |");
        for (int r = 1; r <= rounds; r++) {
            md.append(" round ").append(r).append(" |");
        }
        md.append(" median | errors |").append(cpu ? " server CPU µs / " + unit + " (median) |" : "")
                .append(user ? " of which user space |" : "").append("\n|---|");
        md.append("---:|".repeat(rounds + 2 + (cpu ? 1 : 0) + (user ? 1 : 0))).append('\n');
        for (Map.Entry<String, TreeMap<Integer, Double>> e : rps.entrySet()) {
            md.append("| ").append(e.getKey()).append(" |");
            for (int r = 1; r <= rounds; r++) {
                Double v = e.getValue().get(r);
                md.append(' ').append(v == null ? "-" : format(v, 0)).append(" |");
            }
            md.append(" **").append(format(Rounds.median(e.getValue().values()), 0)).append("** | ")
                    .append(data.errors().get(e.getKey())).append(" |");
            if (cpu) {
                md.append(' ').append(format(data.medianCpu(e.getKey()), 2)).append(" |");
            }
            if (user) {
                md.append(' ').append(format(data.medianUser(e.getKey()), 2)).append(" |");
            }
            md.append('\n');
        }
        md.append("\n## Ratios (per round, then their median)\n\n| ratio | per round | median | target |\n")
                .append("|---|---|---:|---:|\n");
        for (Pair p : pairs) {
            TreeMap<Integer, Double> a = rps.get(p.a());
            TreeMap<Integer, Double> b = rps.get(p.b());
            if (a == null || b == null) {
                continue;
            }
            List<Double> ratios = new ArrayList<>();
            for (Map.Entry<Integer, Double> round : a.entrySet()) {
                Double other = b.get(round.getKey());
                if (other != null && other > 0) {
                    ratios.add(round.getValue() / other);
                }
            }
            md.append("| ").append(p.a()).append(" / ").append(p.b()).append(" | ");
            for (int i = 0; i < ratios.size(); i++) {
                md.append(i == 0 ? "" : ", ").append(format(ratios.get(i), 2));
            }
            md.append(" | **").append(format(Rounds.median(ratios), 2)).append("** | ")
                    .append(p.target() > 0 ? "≥ " + format(p.target(), 1) : "").append(" |\n");
        }
        if (cpu) {
            md.append("\n| server CPU per ").append(unit).append(", times (medians) | ratio |")
                    .append(user ? " user space only |\n|---|---:|---:|\n" : "\n|---|---:|\n");
            for (Pair p : pairs) {
                double a = data.medianCpu(p.a());
                double b = data.medianCpu(p.b());
                if (a > 0 && b > 0) {
                    md.append("| ").append(p.b()).append(" / ").append(p.a()).append(" | **").append(format(b / a, 2))
                            .append("** |");
                    if (user) {
                        double ua = data.medianUser(p.a());
                        double ub = data.medianUser(p.b());
                        md.append(' ').append(ua > 0 && ub > 0 ? format(ub / ua, 2) : "-").append(" |");
                    }
                    md.append('\n');
                }
            }
        }
        md.append("\n![").append(title).append("](").append(chartFile).append(")\n\n");
    }

    private static void memorySection(StringBuilder md, List<Memory> memory) {
        if (memory.isEmpty()) {
            return;
        }
        md.append("## Memory per idle connection\n\n")
                .append("| server | connections | heap bytes / connection | RSS bytes / connection | heap before → after |\n")
                .append("|---|---:|---:|---:|---|\n");
        Map<String, Memory> byServer = new LinkedHashMap<>();
        for (Memory m : memory) {
            byServer.put(m.server(), m);
            md.append("| ").append(m.server()).append(" | ").append(m.connections()).append(" | **")
                    .append(format(m.heapPerConnection(), 0)).append("** | ").append(format(m.rssPerConnection(), 0))
                    .append(" | ").append(mib(m.heapBefore())).append(" → ").append(mib(m.heapAfter())).append(" |\n");
        }
        StringBuilder ratios = new StringBuilder();
        for (Pair p : MEMORY_PAIRS) {
            Memory a = byServer.get(p.a());
            Memory b = byServer.get(p.b());
            if (a == null || b == null || a.heapPerConnection() <= 0) {
                continue;
            }
            ratios.append("| ").append(p.b()).append(" / ").append(p.a()).append(" | **")
                    .append(format(b.heapPerConnection() / a.heapPerConnection(), 1)).append("** | ")
                    .append(p.target() > 0 ? "≥ " + format(p.target(), 0) : "").append(" |\n");
        }
        if (ratios.length() > 0) {
            md.append("\n| heap per connection, times | ratio | target |\n|---|---:|---:|\n").append(ratios);
        }
        md.append("\n![memory per idle connection](memory-per-connection.png)\n");
    }

    private static Chart roundsChart(String what, Rounds data) {
        Map<String, TreeMap<Integer, Double>> rps = data.values();
        List<String> servers = new ArrayList<>(rps.keySet());
        List<Double> medians = new ArrayList<>();
        for (String s : servers) {
            medians.add(Rounds.median(rps.get(s).values()));
        }
        CategoryChart chart = styled(new CategoryChartBuilder().width(1000).height(520)
                .title(what + ": median bar, one marker per round (higher is better)")
                .xAxisTitle("server").yAxisTitle(what.contains("handshakes") ? "handshakes / s" : "requests / s")
                .build());
        chart.addSeries("median", servers, medians);
        // Each round as a marker over the median's bar, so the spread between rounds stays visible.
        int rounds = rps.values().stream().mapToInt(TreeMap::size).max().orElse(0);
        for (int r = 1; r <= rounds; r++) {
            List<Double> values = new ArrayList<>();
            for (String s : servers) {
                Double v = rps.get(s).get(r);
                values.add(v == null ? Double.NaN : v);
            }
            chart.addSeries("round " + r, servers, values)
                    .setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        }
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        return new Chart(chart);
    }

    private static Chart memoryChart(List<Memory> memory) {
        List<String> servers = new ArrayList<>();
        List<Double> heap = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        for (Memory m : memory) {
            servers.add(m.server());
            heap.add(Math.max(0, m.heapPerConnection()));
            rss.add(Math.max(0, m.rssPerConnection()));
        }
        CategoryChart chart = styled(new CategoryChartBuilder().width(1000).height(520)
                .title("Bytes per idle connection (" + memory.get(0).connections() + " connections; lower is better)")
                .xAxisTitle("server").yAxisTitle("bytes / connection").build());
        chart.addSeries("heap after full GC", servers, heap);
        chart.addSeries("process RSS", servers, rss);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        return new Chart(chart);
    }

    static CategoryChart styled(CategoryChart chart) {
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return chart;
    }

    /** A chart ready to be written as PNG. */
    record Chart(CategoryChart chart) {
        void saveAs(Path file) throws IOException {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    static String format(double value, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
