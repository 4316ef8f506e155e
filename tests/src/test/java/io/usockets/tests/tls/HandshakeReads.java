package io.usockets.tests.tls;

import io.usockets.Loop;
import io.usockets.ssl.Tls;

/**
 * Handshake reads per iteration of one loop (docs/RULES.md I10), sampled by that loop's {@code onPre} callback
 * ({@link #sample}) once an instance is the loop's extension. Loop-thread state; read after the loop is freed.
 */
class HandshakeReads {

    /** The loop's budget of low-priority (handshake) reads per iteration. */
    static final int BUDGET = 5;

    long lastReads;
    long maxReadsPerIteration;
    long iterationsAtBudget;
    /** The first and the last iteration that had a handshake read (0 before any). */
    long firstReadIteration;
    long lastReadIteration;

    /** The {@code onPre} callback: counts the handshake reads of the iteration that just ended. */
    static void sample(Loop loop) {
        HandshakeReads st = loop.ext();
        if (st == null) {
            return;
        }
        long reads = Tls.handshakeReads(loop);
        long delta = reads - st.lastReads;
        st.lastReads = reads;
        st.maxReadsPerIteration = Math.max(st.maxReadsPerIteration, delta);
        if (delta == BUDGET) {
            st.iterationsAtBudget++;
        }
        if (delta > 0) {
            long iteration = loop.iterationNumber();
            if (st.firstReadIteration == 0) {
                st.firstReadIteration = iteration;
            }
            st.lastReadIteration = iteration;
        }
    }
}
