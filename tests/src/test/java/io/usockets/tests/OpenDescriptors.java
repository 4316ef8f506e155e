package io.usockets.tests;

import java.io.File;

/** Counts this process's open descriptors through /proc/self/fd (Linux), for the leak gate. */
public final class OpenDescriptors {

    private OpenDescriptors() {
    }

    /** The number of open descriptors now, or -1 where /proc/self/fd does not exist. */
    public static int count() {
        String[] entries = new File("/proc/self/fd").list();
        return entries == null ? -1 : entries.length;
    }
}
