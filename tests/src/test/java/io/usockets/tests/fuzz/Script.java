package io.usockets.tests.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/**
 * Every decision of the scripted kernel and of the application's random calls, read from the fuzzer's input. When the
 * input runs out every answer is the calm one (0, false), so a run always ends: the driver stops once
 * {@link #exhausted()} is true.
 */
final class Script {

    private final FuzzedDataProvider data;

    Script(FuzzedDataProvider data) {
        this.data = data;
    }

    /** Whether the input is used up. */
    boolean exhausted() {
        return data.remainingBytes() == 0;
    }

    /** A choice in [0, n); 0 when n is 0 or 1. */
    int pick(int n) {
        return n <= 1 ? 0 : data.consumeInt(0, n - 1);
    }

    /** A number in [min, max]. */
    int range(int min, int max) {
        return data.consumeInt(min, max);
    }

    /** True about once in {@code n} calls on random input, never once the input is used up. */
    boolean oneIn(int n) {
        return !exhausted() && pick(n) == 0;
    }

    /** Up to {@code max} bytes of input. */
    byte[] bytes(int max) {
        return data.consumeBytes(max);
    }
}
