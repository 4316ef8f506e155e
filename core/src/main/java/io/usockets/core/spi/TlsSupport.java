package io.usockets.core.spi;

import io.usockets.Loop;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;

/**
 * The TLS layer, found with {@link java.util.ServiceLoader} when a context asks for TLS; provided by the
 * {@code usockets-ssl} module. Without it, asking for TLS fails with a message naming that module.
 */
public interface TlsSupport {

    /**
     * Creates a TLS socket context on the loop, or throws IllegalArgumentException naming a bad option.
     *
     * @param <C>     type of the context's own extension
     * @param <S>     type of its sockets' extension
     * @param loop    the loop, on its thread
     * @param options the TLS options
     * @return the TLS context
     */
    <C, S> SocketContext<C, S> createContext(Loop loop, SocketContextOptions options);
}
