package io.usockets.backend.vertx;

import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;

/**
 * The {@code vertx-epoll} backend: us_* polls as raw descriptors on Vert.x's native epoll transport. It takes the
 * hints of Vert.x instances running epoll (ahead of {@code vertx}, which takes the others); without a hint it
 * creates and owns a Vert.x instance with one epoll event loop.
 */
public final class VertxEpollBackend extends VertxBackend {

    /** Public for ServiceLoader. */
    public VertxEpollBackend() {
    }

    @Override
    public String name() {
        return "vertx-epoll";
    }

    @Override
    public int priority() {
        return 4;
    }

    @Override
    public String unavailableReason() {
        try {
            return Epoll.isAvailable() ? null : "Netty's epoll transport does not load: " + Epoll.unavailabilityCause();
        } catch (LinkageError e) {
            return "Netty's epoll classes do not load: " + e;
        }
    }

    @Override
    public boolean acceptsHint(Object hint) {
        if (!(hint instanceof Context || hint instanceof Vertx) || unavailableReason() != null) {
            return false;
        }
        return VertxAccess.runs(hint, EpollIoHandler.class);
    }

    @Override
    Transport transport() {
        return Transport.EPOLL;
    }

    /** Whether the event loop runs Netty's epoll handler (false when the epoll classes cannot load). */
    static boolean epollHandler(IoEventLoop eventLoop) {
        return uses(eventLoop, "io.netty.channel.epoll.EpollIoHandler");
    }
}
