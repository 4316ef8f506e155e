package io.usockets.backend.natives;

import io.netty.channel.epoll.Native;
import io.usockets.core.spi.CorePoll;

/**
 * How the core's READABLE and WRITABLE map to epoll's flags, for the two eventings on an epoll set (the {@code native}
 * backend's own and Netty's behind a Vert.x event loop).
 *
 * <p>The kernel gets only the interest a poll can use: a listen socket only reads, a connecting socket only writes.
 * EPOLLERR and EPOLLHUP are reported as readiness for whatever the poll is interested in, so the core meets the error on
 * its read, write or connect completion; with no interest at all they are reported as an error alone, which closes a
 * socket instead of spinning on a level-triggered error.
 */
public final class EpollEvents {

    /** Added to {@link #readyEvents}'s result when epoll reported an error condition (EPOLLERR, EPOLLHUP). */
    public static final int ERROR = 1 << 8;

    /** The READABLE and WRITABLE bits. */
    public static final int INTEREST = CorePoll.READABLE | CorePoll.WRITABLE;

    private static final int EPOLLIN = Native.EPOLLIN;
    private static final int EPOLLOUT = Native.EPOLLOUT;
    private static final int EPOLLERR = Native.EPOLLERR;
    /** Linux ABI value; Netty does not export it. */
    private static final int EPOLLHUP = 0x010;

    private EpollEvents() {
    }

    /**
     * The interest the kernel gets for a poll of {@code kind} that wants {@code events}.
     *
     * @param kind   the poll's kind
     * @param events a mask of READABLE and WRITABLE
     * @return the mask the kernel gets
     */
    public static int effectiveInterest(byte kind, int events) {
        return switch (kind) {
            case CorePoll.KIND_LISTEN -> events & CorePoll.READABLE;
            case CorePoll.KIND_CONNECTING -> events & CorePoll.WRITABLE;
            default -> events & INTEREST;
        };
    }

    /**
     * The epoll flags (EPOLLIN, EPOLLOUT) for a READABLE/WRITABLE mask.
     *
     * @param interest a mask of READABLE and WRITABLE
     * @return EPOLLIN and EPOLLOUT bits
     */
    public static int epollFlags(int interest) {
        return ((interest & CorePoll.READABLE) != 0 ? EPOLLIN : 0) | ((interest & CorePoll.WRITABLE) != 0 ? EPOLLOUT : 0);
    }

    /**
     * The core's READABLE/WRITABLE mask for an epoll event on a poll whose kernel interest is {@code interest}, plus
     * {@link #ERROR} for an error condition; 0 means there is nothing to report.
     *
     * @param epollMask the event's epoll mask
     * @param interest  the poll's kernel interest
     * @return READABLE, WRITABLE and ERROR bits
     */
    public static int readyEvents(int epollMask, int interest) {
        int events = 0;
        if ((epollMask & EPOLLIN) != 0) {
            events = CorePoll.READABLE;
        }
        if ((epollMask & EPOLLOUT) != 0) {
            events |= CorePoll.WRITABLE;
        }
        if ((epollMask & (EPOLLERR | EPOLLHUP)) != 0) {
            return (events | interest) & interest | ERROR;
        }
        return events & interest;
    }
}
