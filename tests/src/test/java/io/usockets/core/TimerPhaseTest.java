package io.usockets.core;

import io.usockets.Timer;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A repeating timer that fell behind stays on its phase (docs/ARCHITECTURE.md, "Timer"): its firing is driven with
 * chosen clock readings through the core's package-private {@code fire}, so no real time passes and nothing depends
 * on timing. It lives in the core's package for that, and runs on every backend.
 */
class TimerPhaseTest {

    private static final long PERIOD = 100_000_000L;

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aRepeatingTimerThatFallsBehindSkipsTheMissedPeriodsOnItsPhase(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            long[] deadlines = tl.call(() -> {
                CoreTimer<Void> timer = (CoreTimer<Void>) tl.loop().<Void>createTimer(true);
                int[] fired = new int[1];
                timer.set(t -> fired[0]++, 100, 100);
                long first = timer.deadline;
                timer.fire(first);                       // on time: the next period
                long onTime = timer.deadline;
                timer.fire(onTime + PERIOD * 5 / 2);     // two and a half periods late: fires once
                long late = timer.deadline;
                timer.fire(late + PERIOD);               // exactly one period late: fires once
                long exact = timer.deadline;
                timer.close();
                return new long[] {first, onTime, late, exact, fired[0]};
            });
            long first = deadlines[0];
            assertEquals(first + PERIOD, deadlines[1], "[" + backend + "] an on-time firing moves one period");
            assertEquals(first + 4 * PERIOD, deadlines[2], "[" + backend + "] a late firing skips the missed "
                    + "periods and keeps the phase (not the late clock plus a period)");
            assertEquals(first + 6 * PERIOD, deadlines[3], "[" + backend + "] a firing one whole period late");
            assertEquals(3, deadlines[4], "[" + backend + "] one callback per firing");
        }
    }
}
