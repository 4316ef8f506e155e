package io.usockets.tests;

/** The live heap, for the gates that check memory comes back: the smallest used heap over a few full collections. */
public final class LiveHeap {

    private LiveHeap() {
    }

    /** Bytes of heap in use after full collections. */
    public static long bytes() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
