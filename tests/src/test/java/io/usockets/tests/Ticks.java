package io.usockets.tests;

import io.usockets.SocketContext;

/**
 * Socket-timeout sweep ticks, read through {@link SocketContext#timestamp()}: timeout tests count ticks, never
 * milliseconds.
 */
final class Ticks {

    /** The sweep counter wraps at 240 (µSockets' timestamps run 0 to 239). */
    static final int WRAP = 240;

    private Ticks() {
    }

    /** Ticks from {@code from} to {@code to} on the wrapping 0–239 counter. */
    static int between(int from, int to) {
        return Math.floorMod(to - from, WRAP);
    }

    /** Waits until {@code context}'s sweep counter has advanced at least {@code ticks} from its value now. */
    static void await(TestLoop tl, SocketContext<?, ?> context, int ticks) {
        if (ticks >= WRAP) {
            throw new IllegalArgumentException("ticks " + ticks + " is out of range; expected less than 240");
        }
        int start = tl.call(context::timestamp);
        Waits.waitUntil(() -> between(start, tl.call(context::timestamp)) >= ticks, ticks + " sweep ticks");
    }

    /** Whole ticks in {@code seconds} of socket timeout, rounded up (µSockets' ⌈s/g⌉). */
    static int ofSeconds(int seconds) {
        long tick = TestLoop.TICK.toNanos();
        return (int) ((seconds * 1_000_000_000L + tick - 1) / tick);
    }

    /** Ticks in one long-timeout unit. */
    static int perLongUnit() {
        return (int) (TestLoop.LONG_UNIT.toNanos() / TestLoop.TICK.toNanos());
    }
}
