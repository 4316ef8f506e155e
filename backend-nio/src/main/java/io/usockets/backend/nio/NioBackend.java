package io.usockets.backend.nio;

import io.usockets.LoopOptions;
import io.usockets.core.spi.Backend;
import io.usockets.core.spi.Eventing;

import java.io.IOException;

/** The {@code nio} backend: portable, on every JDK; preferred below native epoll. */
public final class NioBackend implements Backend {

    /** Public for ServiceLoader. */
    public NioBackend() {
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Eventing createEventing(LoopOptions options) throws IOException {
        return new NioPoller();
    }
}
