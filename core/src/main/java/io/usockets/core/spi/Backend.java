package io.usockets.core.spi;

import io.usockets.LoopOptions;

/**
 * A poll backend found with {@link java.util.ServiceLoader}: Netty 4.2's pluggable {@code IoHandler} factories are
 * the model. One backend object serves every loop; {@link #createEventing} makes one {@link Eventing} (with its
 * {@link SocketOps}) per loop.
 */
public interface Backend {

    /** The name used by the configuration: {@code native}, {@code nio}, {@code vertx}, {@code vertx-epoll}. */
    String name();

    /** Preference when no backend is configured: the highest that loads wins. */
    int priority();

    /** Null when the backend can run here, else why not (for the error message). */
    String unavailableReason();

    /** Whether this backend integrates with the given foreign-loop hint (a Vert.x Context or Vertx). */
    default boolean acceptsHint(Object hint) {
        return false;
    }

    /** Creates the eventing of one loop, with the socket operations it uses. */
    Eventing createEventing(LoopOptions options) throws java.io.IOException;
}
