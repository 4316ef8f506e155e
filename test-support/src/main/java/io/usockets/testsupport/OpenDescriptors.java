package io.usockets.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.TreeMap;

/**
 * This process's open descriptors through /proc/self/fd (Linux), for the leak gates: a count, a snapshot of what each
 * points at, and a description with the TCP connection behind each socket. Stateless and thread-safe.
 */
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
        Map<Integer, String> open = snapshot();
        if (open == null) {
            return "(no /proc/self/fd)";
        }
        StringBuilder sb = new StringBuilder();
        open.forEach((fd, target) -> sb.append(describe(fd, target)).append('\n'));
        return sb.toString();
    }

    /** Each open descriptor and what it points at (its /proc/self/fd link), or null without /proc/self/fd. */
    public static Map<Integer, String> snapshot() {
        File[] entries = new File("/proc/self/fd").listFiles();
        if (entries == null) {
            return null;
        }
        Map<Integer, String> open = new TreeMap<>();
        for (File f : entries) {
            String target;
            try {
                target = Files.readSymbolicLink(f.toPath()).toString();
            } catch (IOException e) {
                // Closed between the listing and the read: not open any more.
                continue;
            }
            open.put(Integer.parseInt(f.getName()), target);
        }
        return open;
    }

    /** "fd -> target", with the TCP connection behind a socket, or the kind of a socket that is not TCP. */
    public static String describe(int fd, String target) {
        String line = fd + " -> " + target;
        if (target.startsWith("socket:[")) {
            String inode = target.substring("socket:[".length(), target.length() - 1);
            String tcp = tcpConnection(inode);
            line += tcp.isEmpty() ? otherSocket(inode) : tcp;
        }
        return line;
    }

    /**
     * " udp port N", " unix PATH" or " netlink protocol N" for the socket with this inode, from the kernel's tables
     * in /proc/net; or "".
     */
    private static String otherSocket(String inode) {
        // table, column of the inode, what to print from the row
        String[][] tables = {{"/proc/net/udp", "9"}, {"/proc/net/udp6", "9"}, {"/proc/net/unix", "6"},
            {"/proc/net/netlink", "9"}};
        for (String[] table : tables) {
            int column = Integer.parseInt(table[1]);
            try {
                for (String row : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table[0]))) {
                    String[] f = row.trim().split("\\s+");
                    if (f.length > column && f[column].equals(inode)) {
                        if (table[0].contains("udp")) {
                            return " udp port " + Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
                        }
                        if (table[0].endsWith("unix")) {
                            return " unix " + (f.length > 7 ? f[7] : "(unnamed)");
                        }
                        return " netlink protocol " + f[1];
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // No such table here: describe the descriptor without it.
            }
        }
        return "";
    }

    private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
        "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};

    /** " tcp local-port -> remote-port STATE" of the socket with this inode, from /proc/net/tcp{,6}; or "". */
    private static String tcpConnection(String inode) {
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[9].equals(inode)) {
                        int state = Integer.parseInt(f[3], 16);
                        return " tcp port " + Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16)
                                + " -> " + Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16) + " "
                                + (state < TCP_STATES.length ? TCP_STATES[state] : f[3]);
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // No such table here: describe the descriptor without it.
            }
        }
        return "";
    }
}
