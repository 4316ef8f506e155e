package io.usockets.bench.soak;

import java.util.List;

/**
 * The soak's test for a quantity that creeps up: a least-squares line through the samples taken after the warm-up,
 * and the rise that line makes over the window those samples span. The quantity is said to trend up when that rise
 * exceeds both {@code relative} times the samples' median and the absolute {@code floor} (so that a flat series of
 * small numbers, or one quantised reading, does not count as a trend).
 *
 * @param slopePerMinute the line's slope, in the quantity's unit per minute
 * @param rise           the line's rise over the window (slope times the minutes between first and last sample)
 * @param median         the median of the samples
 * @param allowed        the largest rise that does not count: max(relative * median, floor)
 * @param samples        how many samples the window held
 */
record Trend(double slopePerMinute, double rise, double median, double allowed, int samples) {

    /** Whether the quantity trends up: its rise over the window exceeds what is allowed. */
    boolean up() {
        return rise > allowed;
    }

    /**
     * Fits {@code values} taken at {@code minutes}. Fewer than three samples is an IllegalArgumentException: a line
     * through two points says nothing about a trend.
     */
    static Trend of(List<Double> minutes, List<Double> values, double relative, double floor) {
        int n = values.size();
        if (n != minutes.size() || n < 3) {
            throw new IllegalArgumentException("a trend needs at least three samples with their minutes; got "
                    + values.size() + " values and " + minutes.size() + " minutes");
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += minutes.get(i);
            my += values.get(i);
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = minutes.get(i) - mx;
            sxy += dx * (values.get(i) - my);
            sxx += dx * dx;
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        double span = minutes.get(n - 1) - minutes.get(0);
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Trend(slope, slope * span, median, Math.max(relative * Math.abs(median), floor), n);
    }
}
