package io.usockets.bench.soak;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The soak's trend test: a least-squares rise over the window against max(share of the median, floor). */
class TrendTest {

    private static List<Double> minutes(int from, int to) {
        List<Double> m = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            m.add((double) i);
        }
        return m;
    }

    @Test
    void aStraightLineHasItsSlopeAndRise() {
        // 100, 102, ..., 120 over minutes 5..15: slope 2 per minute, rise 20 over 10 minutes.
        List<Double> values = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            values.add(100.0 + 2 * i);
        }
        Trend t = Trend.of(minutes(5, 15), values, 0.10, 5);
        assertEquals(2.0, t.slopePerMinute(), 1e-9);
        assertEquals(20.0, t.rise(), 1e-9);
        assertEquals(110.0, t.median(), 1e-9);
        assertEquals(11.0, t.allowed(), 1e-9);
        assertTrue(t.up(), "a rise of 20 against 11 allowed");
    }

    @Test
    void noiseAroundAFlatLevelIsNotATrendButASlowCreepIs() {
        Random random = new Random(42);
        List<Double> flat = new ArrayList<>();
        List<Double> creeping = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            double noise = random.nextGaussian() * 2;
            flat.add(1000 + noise);
            creeping.add(1000 + 10 * i + noise);
        }
        assertFalse(Trend.of(minutes(6, 30), flat, 0.05, 10).up(), "noise of ±2 around 1000");
        Trend creep = Trend.of(minutes(6, 30), creeping, 0.05, 10);
        assertTrue(creep.up(), "10 per minute for 24 minutes is 240, above 5% of ~1120: " + creep);
    }

    @Test
    void theFloorKeepsSmallQuantisedSeriesFromCountingAsTrends() {
        // Descriptors stepping from 40 to 43: a rise of 3, under a floor of 16.
        List<Double> fds = List.of(40.0, 40.0, 41.0, 42.0, 42.0, 43.0);
        assertFalse(Trend.of(minutes(1, 6), fds, 0, 16).up());
        assertTrue(Trend.of(minutes(1, 6), fds, 0, 2).up());
    }

    @Test
    void fewerThanThreeSamplesSayNothing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trend.of(minutes(1, 2), List.of(1.0, 2.0), 0.1, 1));
        assertTrue(e.getMessage().contains("at least three samples"), e.getMessage());
    }
}
