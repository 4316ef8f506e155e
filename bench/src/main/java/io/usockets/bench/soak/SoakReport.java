package io.usockets.bench.soak;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Judges a soak run: {@code SoakReport DIR [WARMUP_MINUTES]} reads {@code samples.tsv} (minute, server, live heap
 * bytes after a full GC, RSS KiB, open descriptors, NMT committed KiB, NMT "Other" committed KiB, which holds the
 * direct buffers) and {@code churn.tsv} (the {@link ChurnClient}'s minutes), fits a {@link Trend} to each quantity
 * of each server over the minutes after the warm-up, and writes {@code soak.md} and one PNG per server
 * ({@code soak-SERVER.png}). It exits with status 1 when any quantity trends up or any churn operation failed.
 */
public final class SoakReport {

    /** One sampled quantity, its unit for the charts and its trend allowance. */
    record Quantity(String name, int column, double scale, String unit, double relative, double floor) {
    }

    /** The quantities of samples.tsv (columns 2..6) and of churn.tsv's p99 (column 7), with their allowances. */
    static final List<Quantity> SAMPLED = List.of(
            new Quantity("live heap after GC", 2, 1.0 / (1 << 20), "MiB", 0.10, 2 << 20),
            new Quantity("RSS", 3, 1.0 / 1024, "MiB", 0.10, 16 * 1024),
            new Quantity("open descriptors", 4, 1, "descriptors", 0, 16),
            new Quantity("native memory (NMT committed)", 5, 1.0 / 1024, "MiB", 0.10, 16 * 1024),
            new Quantity("direct buffers (NMT Other)", 6, 1.0 / 1024, "MiB", 0.10, 1024));
    static final Quantity LATENCY = new Quantity("first-response p99", 7, 1.0 / 1000, "ms", 0.5, 2000);

    private SoakReport() {
    }

    /** Minutes and values of one quantity of one server. */
    record Series(List<Double> minutes, List<Double> values) {
        Series() {
            this(new ArrayList<>(), new ArrayList<>());
        }

        /** The samples from minute {@code from} on. */
        Series after(double from) {
            Series s = new Series();
            for (int i = 0; i < minutes.size(); i++) {
                if (minutes.get(i) >= from) {
                    s.minutes.add(minutes.get(i));
                    s.values.add(values.get(i));
                }
            }
            return s;
        }
    }

    /** server -> quantity -> series, read from a tab-separated file whose first two columns are minute, server. */
    static Map<String, Map<Quantity, Series>> read(Path file, List<Quantity> quantities) throws IOException {
        Map<String, Map<Quantity, Series>> byServer = new LinkedHashMap<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] row = line.split("\t");
            int needed = quantities.stream().mapToInt(Quantity::column).max().orElse(1) + 1;
            if (row.length < needed) {
                throw new IllegalArgumentException(file + ":" + lineNumber + " has " + row.length + " columns; expected "
                        + needed + ": '" + line + "'");
            }
            Map<Quantity, Series> series = byServer.computeIfAbsent(row[1], k -> new LinkedHashMap<>());
            for (Quantity q : quantities) {
                double v = Double.parseDouble(row[q.column()]);
                if (v >= 0) {
                    Series s = series.computeIfAbsent(q, k -> new Series());
                    s.minutes.add(Double.parseDouble(row[0]));
                    s.values.add(v);
                }
            }
        }
        return byServer;
    }

    /** Writes soak.md and the charts; returns whether the run passed. */
    static boolean report(Path dir, double warmupMinutes) throws IOException {
        Map<String, Map<Quantity, Series>> samples = read(dir.resolve("samples.tsv"), SAMPLED);
        Path churnFile = dir.resolve("churn.tsv");
        Map<String, Map<Quantity, Series>> latency = Files.exists(churnFile)
                ? read(churnFile, List.of(LATENCY)) : Map.of();
        Map<String, long[]> churn = Files.exists(churnFile) ? churnTotals(churnFile) : Map.of();
        boolean passed = true;
        StringBuilder md = new StringBuilder("# Soak\n\n");
        Path meta = dir.resolve("meta.md");
        if (Files.exists(meta)) {
            md.append(Files.readString(meta)).append('\n');
        }
        md.append("A quantity trends up when a least-squares line through its samples from minute ")
                .append(fmt(warmupMinutes)).append(" on rises, over the minutes those samples span, by more than the")
                .append(" allowance: the larger of a share of the samples' median and a floor.\n\n");
        if (!churn.isEmpty()) {
            md.append("| server | operations | errors | idle connections closed by the server | skipped (workers busy)"
                    + " |\n|---|---:|---:|---:|---:|\n");
            for (Map.Entry<String, long[]> e : churn.entrySet()) {
                long[] t = e.getValue();
                md.append("| ").append(e.getKey()).append(" | ").append(t[0]).append(" | ").append(t[1]).append(" | ")
                        .append(t[2]).append(" | ").append(t[3]).append(" |\n");
                passed &= t[1] == 0;
            }
            md.append('\n');
        }
        md.append("| server | quantity | first | last | median | slope per minute | rise | allowed | verdict |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Map.Entry<String, Map<Quantity, Series>> e : samples.entrySet()) {
            Map<Quantity, Series> all = new LinkedHashMap<>(e.getValue());
            all.putAll(latency.getOrDefault(e.getKey(), Map.of()));
            List<XYChart> charts = new ArrayList<>();
            for (Map.Entry<Quantity, Series> qs : all.entrySet()) {
                Quantity q = qs.getKey();
                Series window = qs.getValue().after(warmupMinutes);
                String verdict;
                if (window.values().size() < 3) {
                    verdict = "too few samples";
                    passed = false;
                    md.append("| ").append(e.getKey()).append(" | ").append(q.name()).append(" | | | | | | | ")
                            .append(verdict).append(" |\n");
                } else {
                    Trend t = Trend.of(window.minutes(), window.values(), q.relative(), q.floor());
                    verdict = t.up() ? "**trends up**" : "flat";
                    passed &= !t.up();
                    List<Double> v = window.values();
                    md.append("| ").append(e.getKey()).append(" | ").append(q.name()).append(" (").append(q.unit())
                            .append(") | ").append(fmt(v.get(0) * q.scale())).append(" | ")
                            .append(fmt(v.get(v.size() - 1) * q.scale())).append(" | ")
                            .append(fmt(t.median() * q.scale())).append(" | ")
                            .append(fmt(t.slopePerMinute() * q.scale())).append(" | ").append(fmt(t.rise() * q.scale()))
                            .append(" | ").append(fmt(t.allowed() * q.scale())).append(" | ").append(verdict)
                            .append(" |\n");
                }
                charts.add(chart(q, qs.getValue(), verdict));
            }
            String png = "soak-" + e.getKey() + ".png";
            BitmapEncoder.saveBitmap(charts, 2, 3, dir.resolve(png).toString(), BitmapEncoder.BitmapFormat.PNG);
            md.append("\n![").append(e.getKey()).append("](").append(png).append(")\n\n");
        }
        md.append(passed ? "\n**Passed**: nothing trends up and no operation failed.\n"
                : "\n**Failed**: see the rows marked above.\n");
        Files.writeString(dir.resolve("soak.md"), md.toString(), StandardCharsets.UTF_8);
        return passed;
    }

    /** target -> {operations, errors, idle closed, skipped} summed over the minutes of churn.tsv. */
    private static Map<String, long[]> churnTotals(Path file) throws IOException {
        Map<String, long[]> totals = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] row = line.split("\t");
            long[] t = totals.computeIfAbsent(row[1], k -> new long[4]);
            for (int i = 0; i < 4; i++) {
                t[i] += Long.parseLong(row[2 + i]);
            }
        }
        return totals;
    }

    private static XYChart chart(Quantity q, Series series, String verdict) {
        XYChart chart = new XYChartBuilder().width(420).height(300).title(q.name() + ": " + verdict.replace("*", ""))
                .xAxisTitle("minute").yAxisTitle(q.unit()).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        if (series.values().isEmpty()) {
            chart.addSeries(q.name(), List.of(0.0), List.of(0.0));
        } else {
            chart.addSeries(q.name(), series.minutes(), series.values().stream().map(v -> v * q.scale()).toList());
        }
        return chart;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%,.2f", v);
    }

    /** Writes the report for DIR; exits 1 when the run failed. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("usage: SoakReport DIR [WARMUP_MINUTES]");
        }
        boolean passed = report(Path.of(args[0]), args.length == 2 ? Double.parseDouble(args[1]) : 5);
        System.out.println((passed ? "passed" : "FAILED") + ": " + Path.of(args[0]).resolve("soak.md"));
        System.exit(passed ? 0 : 1);
    }
}
