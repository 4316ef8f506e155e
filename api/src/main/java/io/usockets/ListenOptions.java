package io.usockets;

/**
 * Options of {@link SocketContext#listen}: µSockets' LIBUS_LISTEN_DEFAULT / LIBUS_LISTEN_EXCLUSIVE_PORT plus the
 * accept backlog.
 *
 * @param exclusivePort true for LIBUS_LISTEN_EXCLUSIVE_PORT (no SO_REUSEPORT: a second listen on the port fails);
 *                      false for the default, where loops on several threads may share the port
 * @param backlog       the accept queue length, 1 or more
 */
public record ListenOptions(boolean exclusivePort, int backlog) {

    /** The default backlog: 512, as µSockets. */
    public static final int DEFAULT_BACKLOG = 512;

    /** LIBUS_LISTEN_DEFAULT: the port may be shared with SO_REUSEPORT. */
    public static final ListenOptions DEFAULT = new ListenOptions(false, DEFAULT_BACKLOG);

    /** LIBUS_LISTEN_EXCLUSIVE_PORT: the port is not shared. */
    public static final ListenOptions EXCLUSIVE_PORT = new ListenOptions(true, DEFAULT_BACKLOG);

    /**
     * Validates the backlog.
     *
     * @param exclusivePort true for no SO_REUSEPORT
     * @param backlog       the accept queue length, 1 or more
     */
    public ListenOptions {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog " + backlog + " is out of range; expected 1 or more");
        }
    }

    /**
     * A copy with another backlog.
     *
     * @param value the backlog, 1 or more
     * @return the new options
     */
    public ListenOptions withBacklog(int value) {
        return new ListenOptions(exclusivePort, value);
    }
}
