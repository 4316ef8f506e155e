package io.usockets.backend.natives;

import io.netty.channel.epoll.Epoll;
import io.usockets.LoopOptions;
import io.usockets.core.spi.Backend;
import io.usockets.core.spi.Poller;

import java.io.IOException;

/** The {@code native} backend: Linux epoll through Netty's JNI library; preferred over nio wherever it loads. */
public final class NativeBackend implements Backend {

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
            return EpollAccess.unavailableReason();
        } catch (LinkageError e) {
            return "Netty's epoll classes are missing or broken: " + e;
        }
    }

    @Override
    public Poller createPoller(LoopOptions options) throws IOException {
        String why = unavailableReason();
        if (why != null) {
            throw new IllegalStateException("the native backend cannot run here: " + why);
        }
        return new NativePoller();
    }
}
