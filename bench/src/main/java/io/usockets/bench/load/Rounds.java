package io.usockets.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-round measurements of one kind (round, server, value, errors, the server's CPU microseconds per operation
 * and, in six-column rows, the user-space part of them): server -> round -> value, servers in the order first
 * measured; per server the errors and the CPU figures of every round.
 */
record Rounds(Map<String, TreeMap<Integer, Double>> values, Map<String, Long> errors,
              Map<String, List<Double>> cpu, Map<String, List<Double>> user) {

    /** The rounds in {@code file}, each row of {@code columns} columns; none when the file does not exist. */
    static Rounds read(Path file, int columns) throws IOException {
        return of(Files.exists(file) ? rows(file, columns) : List.of());
    }

    /** The rounds of {@code rows}, four to six columns each as described above. */
    static Rounds of(List<String[]> rows) {
        Rounds rounds = new Rounds(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(),
                new LinkedHashMap<>());
        for (String[] row : rows) {
            rounds.values().computeIfAbsent(row[1], k -> new TreeMap<>())
                    .put(Integer.parseInt(row[0]), Double.parseDouble(row[2]));
            rounds.errors().merge(row[1], Long.parseLong(row[3]), Long::sum);
            if (row.length > 4) {
                rounds.cpu().computeIfAbsent(row[1], k -> new ArrayList<>()).add(Double.parseDouble(row[4]));
            }
            if (row.length > 5) {
                rounds.user().computeIfAbsent(row[1], k -> new ArrayList<>()).add(Double.parseDouble(row[5]));
            }
        }
        return rounds;
    }

    /** The median value of {@code server} over its rounds; NaN when it has none. */
    double medianValue(String server) {
        TreeMap<Integer, Double> rounds = values.get(server);
        return rounds == null ? Double.NaN : median(rounds.values());
    }

    /** The median server CPU per operation of {@code server}; NaN when not measured. */
    double medianCpu(String server) {
        List<Double> values = cpu.get(server);
        return values == null ? Double.NaN : median(values);
    }

    /** The median user-space CPU per operation of {@code server}; NaN when not measured. */
    double medianUser(String server) {
        List<Double> values = user.get(server);
        return values == null ? Double.NaN : median(values);
    }

    /**
     * The tab-separated rows of {@code file}, blank lines and {@code #} comments skipped; a row with another column
     * count than {@code columns} is an IllegalArgumentException naming the file and line.
     */
    static List<String[]> rows(Path file, int columns) throws IOException {
        List<String[]> rows = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] row = line.split("\t");
            if (row.length != columns) {
                throw new IllegalArgumentException(file + ":" + lineNumber + " has " + row.length
                        + " columns; expected " + columns + ": '" + line + "'");
            }
            rows.add(row);
        }
        return rows;
    }

    /** The median of {@code values}: the mean of the middle two for an even count; NaN for none. */
    static double median(Collection<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
