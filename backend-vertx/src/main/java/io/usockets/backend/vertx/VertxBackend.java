package io.usockets.backend.vertx;

import io.netty.channel.IoEventLoop;
import io.usockets.LoopOptions;
import io.usockets.core.spi.Backend;
import io.usockets.core.spi.Eventing;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The {@code vertx} backend: us_* polls on Vert.x's NIO transport. With a Vert.x {@link Context} or {@link Vertx}
 * as the loop's hint, the loop lives on that Vert.x instance's event loop (embedded); without one, it creates and
 * owns a Vert.x instance with one event loop (standalone) and closes it when the loop is freed.
 *
 * <p>Preferred below {@code nio} and {@code native} when nothing is configured: Vert.x is for embedding.
 */
public class VertxBackend implements Backend {

    /** Public for ServiceLoader. */
    public VertxBackend() {
    }

    @Override
    public String name() {
        return "vertx";
    }

    @Override
    public int priority() {
        return 3;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    /** Every Vert.x hint comes here unless a backend for its native transport took it first. */
    @Override
    public boolean acceptsHint(Object hint) {
        return hint instanceof Context || hint instanceof Vertx;
    }

    @Override
    public Eventing createEventing(LoopOptions options) throws IOException {
        Object hint = options.hint();
        Vertx owned = hint == null ? createVertx() : null;
        try {
            VertxAccess access = VertxAccess.of(owned != null ? owned : hint);
            IoEventLoop eventLoop = access.eventLoop();
            long tick = options.timeoutGranularity().toNanos();
            // The loop's backend follows the Vert.x instance's transport (docs/RULES.md B8), whichever backend took the hint.
            if (eventLoop.isCompatible(NioChannelHandle.class)) {
                return new VertxNioPoller("vertx", access, owned, tick);
            }
            if (VertxEpollBackend.epollHandler(eventLoop)) {
                return new VertxEpollPoller("vertx-epoll", access, owned, tick);
            }
            throw new IllegalStateException(unsupportedTransport(eventLoop));
        } catch (RuntimeException e) {
            if (owned != null) {
                owned.close();
            }
            throw e;
        }
    }

    /** Why a Vert.x event loop of another transport cannot carry this backend's polls. */
    static String unsupportedTransport(IoEventLoop eventLoop) {
        String type = eventLoop.getClass().getName();
        if (type.toLowerCase(java.util.Locale.ROOT).contains("uring") || uses(eventLoop, "io.netty.channel.uring.IoUringIoHandler")) {
            return "the Vert.x instance runs the io_uring transport, which is completion-based: usockets needs "
                    + "readiness events; create Vert.x with the NIO transport (backend vertx) or epoll (vertx-epoll)";
        }
        return "the Vert.x instance runs a transport usockets does not support (" + type + "): use the NIO "
                + "transport (backend vertx) or epoll (vertx-epoll)";
    }

    static boolean uses(IoEventLoop eventLoop, String handlerClass) {
        try {
            Class<?> type = Class.forName(handlerClass, false, VertxBackend.class.getClassLoader());
            return eventLoop.isIoType(type.asSubclass(io.netty.channel.IoHandler.class));
        } catch (ClassNotFoundException | LinkageError | ClassCastException e) {
            return false;
        }
    }

    /** The transport a standalone loop's own Vert.x instance runs. */
    Transport transport() {
        return Transport.NIO;
    }

    /** A Vert.x instance with one event loop, for a standalone loop; its user code may block like on nio. */
    final Vertx createVertx() {
        VertxOptions vertxOptions = new VertxOptions().setEventLoopPoolSize(1)
                .setMaxEventLoopExecuteTime(1).setMaxEventLoopExecuteTimeUnit(TimeUnit.DAYS);
        return Vertx.builder().with(vertxOptions).withTransport(transport()).build();
    }
}
