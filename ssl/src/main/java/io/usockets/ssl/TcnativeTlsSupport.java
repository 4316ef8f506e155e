package io.usockets.ssl;

import io.usockets.Loop;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.core.CoreLoop;
import io.usockets.core.spi.TlsSupport;

/** The TLS layer on netty-tcnative (BoringSSL), found by the core through {@link java.util.ServiceLoader}. */
public final class TcnativeTlsSupport implements TlsSupport {

    /** Called by ServiceLoader. */
    public TcnativeTlsSupport() {
    }

    @Override
    public <C, S> SocketContext<C, S> createContext(Loop loop, SocketContextOptions options) {
        if (!(loop instanceof CoreLoop coreLoop)) {
            throw new IllegalArgumentException("cannot create a TLS context on " + loop + ": not a loop of this library");
        }
        coreLoop.checkThread();
        Tcnative.ensureAvailable();
        TlsConfig config = TlsConfig.create(TlsEngine.of(loop), options);
        return new TlsContext<>(coreLoop, null, config);
    }
}
