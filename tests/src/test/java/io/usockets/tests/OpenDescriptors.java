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

    /** What each open descriptor points at, for a leak report. */
    public static String describe() {
        File[] entries = new File("/proc/self/fd").listFiles();
        if (entries == null) {
            return "(no /proc/self/fd)";
        }
        StringBuilder sb = new StringBuilder();
        for (File f : entries) {
            String target;
            try {
                target = java.nio.file.Files.readSymbolicLink(f.toPath()).toString();
            } catch (java.io.IOException e) {
                target = "?";
            }
            sb.append(f.getName()).append(" -> ").append(target).append('\n');
        }
        return sb.toString();
    }
}
