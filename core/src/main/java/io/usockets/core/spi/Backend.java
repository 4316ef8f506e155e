package io.usockets.core.spi;

import io.usockets.LoopOptions;

/**
 * A poll backend found with {@link java.util.ServiceLoader}: Netty 4.2's pluggable {@code IoHandler} factories are
 * the model. One backend object serves every loop; {@link #createEventing} makes one {@link Eventing} (with its
 * {@link SocketOps}) per loop.
 */
public interface Backend {

    /**
     * The name used by the configuration: {@code native}, {@code nio}, {@code vertx}, {@code vertx-epoll}.
     *
     * @return the name, such as {@code native}
     */
    String name();

    /**
     * Preference when no backend is configured: the highest that loads wins.
     *
     * @return higher is preferred
     */
    int priority();

    /**
     * Null when the backend can run here, else why not (for the error message).
     *
     * @return null when the backend loads here, else why not
     */
    String unavailableReason();

    /**
     * Whether this backend integrates with the given foreign-loop hint (a Vert.x Context or Vertx).
     *
     * @param hint the loop option's hint
     * @return true if this backend integrates with it
     */
    default boolean acceptsHint(Object hint) {
        return false;
    }

    /**
     * Creates the eventing of one loop, with the socket operations it uses.
     *
     * @param options the loop's options
     * @return the new eventing
     * @throws java.io.IOException when the kernel refuses (no epoll set, no selector)
     */
    Eventing createEventing(LoopOptions options) throws java.io.IOException;
}
