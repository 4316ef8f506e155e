package io.usockets.ssl;

import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.core.CoreContext;
import io.usockets.core.CoreLoop;
import io.usockets.core.CoreSocket;
import io.usockets.core.LowPriority;

/**
 * A TLS socket context: a core context whose sockets are {@link TlsSocket}s, the way µSockets' openssl.c wraps a
 * plain context. The core keeps doing everything about descriptors, lists, timeouts and closing; the sockets decrypt
 * before onData, encrypt in write, and open after the handshake. Children share the parent's {@link TlsConfig}.
 * The context wraps one callback itself: onTimeout, so that a timeout firing before the handshake completes fails
 * the handshake instead of reaching the application.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class TlsContext<C, S> extends CoreContext<C, S> {

    /** µSockets' is_low_prio for TLS: a socket still handshaking has its reads budgeted (docs/RULES.md I10). */
    private static final LowPriority HANDSHAKING = s -> s instanceof TlsSocket t && t.handshaking();

    final TlsConfig config;
    private final CoreLoop coreLoop;

    TlsContext(CoreLoop loop, CoreContext<?, ?> parent, TlsConfig config) {
        super(loop, parent);
        this.coreLoop = loop;
        this.config = config;
        config.retain();
        if (parent == null) {
            setLowPriority(HANDSHAKING);
            config.root = this;
        }
        onTimeout(s -> { });
    }

    @Override
    public boolean isTls() {
        return true;
    }

    @Override
    protected CoreSocket newSocket(byte kind) {
        return new TlsSocket(this, kind, config);
    }

    @Override
    public Socket<S> connect(String host, int port, String sourceHost) {
        Socket<S> s = super.connect(host, port, sourceHost);
        ((TlsSocket) (Object) s).host = host;
        return s;
    }

    /** Sets onTimeout behind the handshake timeout: a socket still handshaking fails instead of calling it. */
    @Override
    public SocketContext<C, S> onTimeout(SocketHandler<S> handler) {
        if (handler == null) {
            return super.onTimeout(null);
        }
        return super.onTimeout(s -> {
            if (!(s instanceof TlsSocket t) || !t.handshakeTimedOut()) {
                handler.handle(s);
            }
        });
    }

    @Override
    public <C2, S2> SocketContext<C2, S2> createChild() {
        coreLoop.checkThread();
        if (coreLoop.isFreed()) {
            throw new IllegalStateException("the loop has been freed");
        }
        return new TlsContext<>(coreLoop, this, config);
    }

    /** The server-side native context ({@code SSL_CTX} wrapper address as a Long); clients use a sibling. */
    @Override
    public Object nativeHandle() {
        return config.serverCtx;
    }

    @Override
    public void addServerName(String hostnamePattern, SocketContextOptions options, Object userData) {
        coreLoop.checkThread();
        String pattern = ServerNames.normalize(hostnamePattern);
        KeyMaterial material = null;
        if (options != null) {
            String certPem = Pem.read(options.certPem(), options.certFile(), "certFile");
            String keyPem = Pem.read(options.keyPem(), options.keyFile(), "keyFile");
            material = KeyMaterial.load(config.serverCtx, certPem, keyPem, options.passphrase(),
                    "certFile of server name " + pattern, "keyFile of server name " + pattern);
        }
        config.serverNames.add(pattern, material, userData);
    }

    @Override
    public void removeServerName(String hostnamePattern) {
        coreLoop.checkThread();
        config.serverNames.remove(hostnamePattern);
    }

    @Override
    public Object findServerNameUserData(String hostnamePattern) {
        coreLoop.checkThread();
        ServerNames.Entry e = config.serverNames.find(hostnamePattern);
        return e == null ? null : e.userData();
    }

    @Override
    public SocketContext<C, S> onServerName(ServerNameHandler handler) {
        coreLoop.checkThread();
        config.serverNameHandler = handler;
        return this;
    }

    @Override
    protected void releaseResources() {
        config.release();
    }

    @Override
    public String toString() {
        return "TlsSocketContext[" + coreLoop.backend() + "]";
    }
}
