package io.usockets.backend.natives;

import io.netty.channel.epoll.Epoll;
import io.usockets.LoopOptions;
import io.usockets.core.spi.Backend;
import io.usockets.core.spi.Eventing;

import java.io.IOException;

/**
 * The {@code native} backend: Linux epoll through Netty's JNI library; preferred over nio wherever it loads. It is
 * unavailable only when Netty's epoll library does not load (not Linux, not x86-64, the native jar missing).
 */
public final class NativeBackend implements Backend {

    /**
     * System property choosing how the epoll set is waited on: unset or {@code raw} for our own epoll_wait (falling
     * back with a logged reason when it is out of reach), {@code handler} to force Netty's EpollIoHandler.
     */
    public static final String ROUTE_PROPERTY = "usockets.native.route";

    private static volatile String reason;
    private static volatile boolean checked;

    /** Public for ServiceLoader. */
    public NativeBackend() {
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public int priority() {
        return 20;
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
                Throwable cause = Epoll.unavailabilityCause();
                return "Netty's epoll library does not load here (" + cause + ")";
            }
            // The raw route's access is checked per loop; without it the loop falls back to EpollIoHandler.
            return null;
        } catch (LinkageError e) {
            return "Netty's epoll classes are missing or broken: " + e;
        }
    }

    @Override
    public Eventing createEventing(LoopOptions options) throws IOException {
        String why = unavailableReason();
        if (why != null) {
            throw new IllegalStateException("the native backend cannot run here: " + why);
        }
        return new NativePoller(System.getProperty(ROUTE_PROPERTY));
    }
}
