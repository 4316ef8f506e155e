package io.usockets.backend.natives;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.usockets.LoopOptions;
import io.usockets.core.spi.Backend;
import io.usockets.core.spi.Eventing;

import java.io.IOException;

/**
 * The {@code io_uring} backend: Linux io_uring through Netty's io_uring transport ({@code IoUringIoHandler}, driven by
 * the loop's own thread; connected sockets read by RECV completions, small writes leave as SEND requests from a
 * bounded send area), with the native backend's socket operations.
 * Chosen only by name: its priority is below every other backend's, so it is never the default; it is not measurably
 * faster than native (see docs/ARCHITECTURE.md, "The io_uring backend").
 * Unavailable when Netty's io_uring library does not load or the kernel refuses io_uring ({@code io_uring_disabled},
 * seccomp, an old kernel), with Netty's reason.
 */
public final class UringBackend implements Backend {

    private static volatile String reason;
    private static volatile boolean checked;

    /** Public for ServiceLoader. */
    public UringBackend() {
    }

    @Override
    public String name() {
        return "io_uring";
    }

    @Override
    public int priority() {
        return 1;
    }

    @Override
    public String unavailableReason() {
        if (!checked) {
            reason = check();
            checked = true;
        }
        return reason;
    }

    private static String check() {
        try {
            if (!Epoll.isAvailable()) {
                // The socket operations are the native backend's, on Netty's epoll binding.
                return "Netty's epoll library, which holds the socket operations, does not load here ("
                        + Epoll.unavailabilityCause() + ")";
            }
            if (!IoUring.isAvailable()) {
                return "io_uring is not available here (" + IoUring.unavailabilityCause() + ")";
            }
            return null;
        } catch (LinkageError e) {
            return "Netty's io_uring classes are missing or broken: " + e;
        }
    }

    @Override
    public Eventing createEventing(LoopOptions options) throws IOException {
        String why = unavailableReason();
        if (why != null) {
            throw new IllegalStateException("the io_uring backend cannot run here: " + why);
        }
        return new UringPoller();
    }
}
