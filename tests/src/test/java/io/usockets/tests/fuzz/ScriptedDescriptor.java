package io.usockets.tests.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * A descriptor of the scripted kernel: a listening or stream socket the core got from {@link ScriptedOps}. It counts
 * its closes (exactly one is allowed) and, for the TLS targets, carries the real TLS peer at its other end.
 */
final class ScriptedDescriptor {

    /** Every descriptor a run created, to check that each was closed exactly once. */
    static final class Table {
        final List<ScriptedDescriptor> all = new ArrayList<>();
        private int next = 3;

        ScriptedDescriptor open(boolean listening) {
            ScriptedDescriptor d = new ScriptedDescriptor(next++, listening);
            all.add(d);
            return d;
        }
    }

    final int fd;
    final boolean listening;
    int closes;
    boolean outputShut;
    /** The TLS peer at the other end, or null when the script invents the bytes. */
    TlsPeer peer;

    private ScriptedDescriptor(int fd, boolean listening) {
        this.fd = fd;
        this.listening = listening;
    }

    @Override
    public String toString() {
        return (listening ? "listen#" : "socket#") + fd;
    }
}
