package io.usockets.bench.load;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The send-size sweep of {@code bench/run.sh --sweep}: one file of rows (response size in bytes, round, server,
 * requests per second, errors, the server's CPU microseconds per request, the user-space part of them), read into one
 * {@link Rounds} per size. It writes a markdown section (requests per second and server CPU per request per server
 * and size, then each usockets server against its peers at every size) and two PNG charts, requests per second and
 * server CPU per request against the response size, one line per server, both axes logarithmic.
 */
final class SizeSweep {

    private static final String OURS = "usockets-";

    private final TreeMap<Integer, Rounds> bySize;
    private final Set<String> servers;

    private SizeSweep(TreeMap<Integer, Rounds> bySize, Set<String> servers) {
        this.bySize = bySize;
        this.servers = servers;
    }

    /** The sweep in {@code file}; empty when the file does not exist. */
    static SizeSweep read(Path file) throws IOException {
        TreeMap<Integer, List<String[]>> rows = new TreeMap<>();
        Set<String> servers = new LinkedHashSet<>();
        for (String[] row : Files.exists(file) ? Rounds.rows(file, 7) : List.<String[]>of()) {
            rows.computeIfAbsent(Integer.parseInt(row[0]), k -> new ArrayList<>())
                    .add(Arrays.copyOfRange(row, 1, 7));
            servers.add(row[2]);
        }
        TreeMap<Integer, Rounds> bySize = new TreeMap<>();
        rows.forEach((size, sizeRows) -> bySize.put(size, Rounds.of(sizeRows)));
        return new SizeSweep(bySize, servers);
    }

    /** Whether the file held no measurement. */
    boolean isEmpty() {
        return bySize.isEmpty();
    }

    /** Appends the sweep's tables under {@code title} to {@code md}, with links to the two charts. */
    void section(StringBuilder md, String title, String rpsChart, String cpuChart) {
        int rounds = bySize.values().stream().flatMap(r -> r.values().values().stream())
                .mapToInt(TreeMap::size).max().orElse(0);
        md.append("## ").append(title).append("\n\nMedians of ").append(rounds)
                .append(" rounds at each size. Requests per second:\n\n");
        table(md, (r, server) -> Report.format(r.medianValue(server), 0));
        md.append("\nServer CPU µs per request (of which user space):\n\n");
        table(md, (r, server) -> Report.format(r.medianCpu(server), 2) + " (" + Report.format(r.medianUser(server), 2)
                + ")");
        List<String> peers = servers.stream().filter(s -> !s.startsWith(OURS)).toList();
        for (String ours : servers) {
            if (!ours.startsWith(OURS) || peers.isEmpty()) {
                continue;
            }
            md.append("\n").append(ours).append(" against its peers: requests per second over the best peer's, and each")
                    .append(" peer's server CPU per request over ours (above 1: ours costs less):\n\n| size | requests/s"
                            + " ÷ best peer's |");
            peers.forEach(p -> md.append(" CPU ").append(p).append(" ÷ ours |"));
            md.append("\n|---:|---:|").append("---:|".repeat(peers.size())).append('\n');
            for (Map.Entry<Integer, Rounds> e : bySize.entrySet()) {
                Rounds r = e.getValue();
                String best = null;
                for (String p : peers) {
                    if (best == null || r.medianValue(p) > r.medianValue(best)) {
                        best = p;
                    }
                }
                md.append("| ").append(size(e.getKey())).append(" | **")
                        .append(Report.format(r.medianValue(ours) / r.medianValue(best), 2)).append("** (")
                        .append(best).append(") |");
                for (String p : peers) {
                    md.append(' ').append(Report.format(r.medianCpu(p) / r.medianCpu(ours), 2)).append(" |");
                }
                md.append('\n');
            }
        }
        md.append("\n![").append(title).append(": requests per second](").append(rpsChart).append(")\n![")
                .append(title).append(": server CPU per request](").append(cpuChart).append(")\n\n");
    }

    /** A cell of a server-by-size table. */
    private interface Cell {
        String of(Rounds rounds, String server);
    }

    private void table(StringBuilder md, Cell cell) {
        md.append("| server |");
        bySize.keySet().forEach(size -> md.append(' ').append(size(size)).append(" |"));
        md.append("\n|---|").append("---:|".repeat(bySize.size())).append('\n');
        for (String server : servers) {
            md.append("| ").append(server).append(" |");
            bySize.values().forEach(r -> md.append(' ').append(r.values().containsKey(server) ? cell.of(r, server) : "-")
                    .append(" |"));
            md.append('\n');
        }
    }

    /** Writes the requests-per-second and CPU-per-request charts. */
    void charts(String what, Path rpsFile, Path cpuFile) throws IOException {
        save(chart(what + ": requests per second by response size (higher is better)", "requests / s", false), rpsFile);
        save(chart(what + ": server CPU per request by response size (lower is better)", "server CPU µs / request",
                true), cpuFile);
    }

    private XYChart chart(String title, String yTitle, boolean cpu) {
        XYChart chart = new XYChartBuilder().width(1000).height(600).title(title)
                .xAxisTitle("response body (bytes)").yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        chart.getStyler().setYAxisDecimalPattern(cpu ? "#,##0.#" : "#,##0");
        for (String server : servers) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Map.Entry<Integer, Rounds> e : bySize.entrySet()) {
                double v = cpu ? e.getValue().medianCpu(server) : e.getValue().medianValue(server);
                if (v > 0) {
                    x.add((double) e.getKey());
                    y.add(v);
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(server, x, y);
            }
        }
        return chart;
    }

    private static void save(XYChart chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** 16 B, 1 KiB, 512 KiB: a size as the tables print it. */
    static String size(int bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }
}
