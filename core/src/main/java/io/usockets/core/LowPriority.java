package io.usockets.core;

/**
 * The low-priority hook of a context (µSockets' {@code is_low_prio}): a socket it selects has its reads limited
 * to a budget per loop iteration, and the rest wait in the loop's LIFO queue (docs/RULES.md I10). The TLS layer selects
 * sockets still handshaking.
 */
@FunctionalInterface
public interface LowPriority {

    /**
     * Whether a read on this socket now counts against the low-priority budget.
     *
     * @param socket a socket that became readable
     * @return true to budget its read
     */
    boolean isLowPriority(CoreSocket socket);
}
