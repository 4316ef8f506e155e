package io.usockets.tests;

import java.lang.management.ManagementFactory;

/**
 * What the loop thread allocated over one window of work, for the allocation tests: the exact count the JVM keeps for
 * the thread, and on io_uring the part beyond Netty's handler's one 16-byte callback object per wait (a method
 * reference {@code IoUringIoHandler.run} passes to its completion queue, which no code of ours can avoid on the public
 * handler; docs/ARCHITECTURE.md, "The io_uring backend"), counted by the loop's iterations.
 */
final class LoopAllocation {

    /** Netty's io_uring handler's allocation per wait. */
    static final long URING_BYTES_PER_WAIT = 16;

    /** Work measured in a window; may throw. */
    interface Work {
        void run() throws Exception;
    }

    /** Bytes the loop thread allocated in the window, the loop's iterations (io_uring only, else 0), and ours. */
    final long allocated;
    final long iterations;
    final long ours;
    private final boolean perWait;

    private LoopAllocation(long allocated, long iterations, boolean perWait) {
        this.allocated = allocated;
        this.iterations = iterations;
        this.ours = allocated - URING_BYTES_PER_WAIT * iterations;
        this.perWait = perWait;
    }

    /** Whether {@code backend}'s figure leaves out Netty's per-wait allocation (io_uring). */
    static boolean perWait(String backend) {
        return Backends.backendOf(backend).equals("io_uring");
    }

    /** Runs {@code work} and measures what the loop thread of {@code tl} allocated meanwhile. */
    static LoopAllocation measure(TestLoop tl, String backend, Work work) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long loopThread = tl.thread().getId();
        boolean perWait = perWait(backend);
        long firstIteration = perWait ? tl.call(() -> tl.loop().iterationNumber()) : 0;
        long before = threads.getThreadAllocatedBytes(loopThread);
        work.run();
        long allocated = threads.getThreadAllocatedBytes(loopThread) - before;
        long iterations = perWait ? tl.call(() -> tl.loop().iterationNumber()) - firstIteration : 0;
        return new LoopAllocation(allocated, iterations, perWait);
    }

    /** The iterations and the bytes beyond Netty's, to print after the count on io_uring; empty elsewhere. */
    String detail() {
        return perWait ? " (" + iterations + " iterations, " + ours + " bytes beyond " + URING_BYTES_PER_WAIT
                + " per iteration)" : "";
    }

    /** What a budget on {@link #ours} leaves out, for a failure message: Netty's per-wait bytes on io_uring. */
    static String budgetNote(String backend) {
        return perWait(backend) ? " beyond Netty's " + URING_BYTES_PER_WAIT + " bytes per iteration" : "";
    }
}
