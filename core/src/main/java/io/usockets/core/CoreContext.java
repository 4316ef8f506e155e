package io.usockets.core;

import io.usockets.CloseCode;
import io.usockets.ListenOptions;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.NativeHandle;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A socket context: µSockets' context.c. It holds the callbacks, the user extension, an intrusive list of its
 * sockets (walked by the timeout sweep with a removal-safe iterator) and of its listen sockets, and the sweep
 * ticks that socket timeouts are compared with.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
public class CoreContext<C, S> implements SocketContext<C, S> {

    /** µSockets' timestamps wrap at 240 so that 255 can mean "disarmed". */
    static final int TICKS = 240;
    /** The longest path a unix socket address holds on Linux (sun_path is 108 bytes with the terminator). */
    static final int MAX_UNIX_PATH_BYTES = 107;

    private static final OpenHandler<?> NO_OPEN = (s, client) -> { };
    private static final DataHandler<?> NO_DATA = (s, data) -> { };
    private static final SocketHandler<?> NO_EVENT = s -> { };
    private static final SocketHandler<?> CLOSE_ON_END = Socket::close;
    private static final CloseHandler<?> NO_CLOSE = (s, code, reason) -> { };

    final CoreLoop loop;
    private final CoreContext<?, ?> parent;
    private C ext;
    boolean freed;

    PreOpenHandler preOpen;
    OpenHandler<S> open = cast(NO_OPEN);
    DataHandler<S> data = cast(NO_DATA);
    SocketHandler<S> writable = cast(NO_EVENT);
    CloseHandler<S> close = cast(NO_CLOSE);
    SocketHandler<S> timeout = cast(NO_EVENT);
    SocketHandler<S> longTimeout = cast(NO_EVENT);
    SocketHandler<S> end = cast(CLOSE_ON_END);
    CloseHandler<S> connectError = cast(NO_CLOSE);

    /** The low-priority hook: sockets it selects have their reads budgeted per iteration (docs/RULES.md I10). */
    LowPriority lowPriority;

    /** Intrusive lists and the sweep's iterator (µSockets' head_sockets, head_listen_sockets, iterator). */
    CoreSocket head;
    CoreSocket iterator;
    CoreListenSocket listenHead;

    /** Links in the loop's list of contexts. */
    CoreContext<?, ?> prev;
    CoreContext<?, ?> next;

    /** Sweep ticks: µSockets' global_tick, timestamp and long_timestamp. */
    private long globalTick;
    int timestamp;
    int longTimestamp;

    /**
     * Creates a context of {@code loop}; a child shares its parent's TLS state.
     *
     * @param loop   the loop, on its thread
     * @param parent the parent context of a child, or null
     */
    protected CoreContext(CoreLoop loop, CoreContext<?, ?> parent) {
        this.loop = loop;
        this.parent = parent;
        if (parent != null) {
            this.lowPriority = parent.lowPriority;
        }
        loop.linkContext(this);
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object handler) {
        return (T) handler;
    }

    // ---------------------------------------------------------------- properties

    @Override
    public Loop loop() {
        return loop;
    }

    @Override
    public boolean isTls() {
        return false;
    }

    @Override
    public C ext() {
        return ext;
    }

    @Override
    public void setExt(C value) {
        loop.checkThread();
        this.ext = value;
    }

    @Override
    public int timestamp() {
        return timestamp;
    }

    @Override
    public Object nativeHandle() {
        return null;
    }

    /**
     * The parent of a child context, or null.
     *
     * @return the parent, or null
     */
    public CoreContext<?, ?> parent() {
        return parent;
    }

    /**
     * Installs the low-priority hook (the TLS layer's handshake budget; tests use their own).
     *
     * @param hook selects the sockets whose reads are budgeted, or null for none
     */
    public void setLowPriority(LowPriority hook) {
        loop.checkThread();
        this.lowPriority = hook;
    }

    // ---------------------------------------------------------------- callbacks

    private void checkHandler(Object handler, String name) {
        loop.checkThread();
        if (handler == null) {
            throw new IllegalArgumentException(name + " handler is null");
        }
    }

    @Override
    public SocketContext<C, S> onPreOpen(PreOpenHandler handler) {
        loop.checkThread();
        this.preOpen = handler;
        return this;
    }

    @Override
    public SocketContext<C, S> onOpen(OpenHandler<S> handler) {
        checkHandler(handler, "onOpen");
        this.open = handler;
        return this;
    }

    @Override
    public SocketContext<C, S> onData(DataHandler<S> handler) {
        checkHandler(handler, "onData");
        this.data = handler;
        return this;
    }

    @Override
    public SocketContext<C, S> onWritable(SocketHandler<S> handler) {
        checkHandler(handler, "onWritable");
        this.writable = handler;
        return this;
    }

    @Override
    public SocketContext<C, S> onClose(CloseHandler<S> handler) {
        checkHandler(handler, "onClose");
        this.close = handler;
        return this;
    }

    @Override
    public SocketContext<C, S> onTimeout(SocketHandler<S> handler) {
        checkHandler(handler, "onTimeout");
        this.timeout = handler;
        return this;
    }

    @Override
    public SocketContext<C, S> onLongTimeout(SocketHandler<S> handler) {
        checkHandler(handler, "onLongTimeout");
        this.longTimeout = handler;
        return this;
    }

    @Override
    public SocketContext<C, S> onEnd(SocketHandler<S> handler) {
        checkHandler(handler, "onEnd");
        this.end = handler;
        return this;
    }

    @Override
    public SocketContext<C, S> onConnectError(CloseHandler<S> handler) {
        checkHandler(handler, "onConnectError");
        this.connectError = handler;
        return this;
    }

    // ---------------------------------------------------------------- listen

    static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; expected 0 to 65535");
        }
    }

    static void checkUnixPath(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("unix socket path is empty");
        }
        int bytes = path.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_UNIX_PATH_BYTES) {
            throw new IllegalArgumentException("unix socket path of " + bytes + " bytes is too long; expected at most "
                    + MAX_UNIX_PATH_BYTES + " bytes: " + path);
        }
    }

    private void checkOpen() {
        loop.checkUsable();
        if (freed) {
            throw new IllegalStateException("the socket context has been freed");
        }
    }

    @Override
    public ListenSocket listen(String host, int port, ListenOptions options) {
        checkOpen();
        checkPort(port);
        if (options == null) {
            throw new IllegalArgumentException("listen options are null; use ListenOptions.DEFAULT");
        }
        InetSocketAddress address;
        try {
            address = host == null ? new InetSocketAddress(port) : new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": host not resolved", e);
        }
        return listenOn(address, options, null, (host == null ? "*" : host) + ":" + port);
    }

    @Override
    public ListenSocket listenUnix(String path, ListenOptions options) {
        checkOpen();
        checkUnixPath(path);
        if (options == null) {
            throw new IllegalArgumentException("listen options are null; use ListenOptions.DEFAULT");
        }
        Path file = Path.of(path);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the stale unix socket file " + path, e);
        }
        return listenOn(UnixDomainSocketAddress.of(file), options, file, path);
    }

    private ListenSocket listenOn(SocketAddress address, ListenOptions options, Path unixFile, String name) {
        Object raw;
        try {
            raw = loop.ops.listen(address, options);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new UncheckedIOException("cannot listen on " + name + ": " + why, e);
        }
        CoreListenSocket ls = new CoreListenSocket(this, unixFile);
        try {
            loop.eventing.register(ls, raw);
        } catch (IOException e) {
            loop.ops.close(raw);
            throw new UncheckedIOException("cannot register the listen socket on " + name, e);
        }
        loop.liveCount++;
        linkListen(ls);
        ls.setInterest(CoreSocket.READABLE);
        return ls;
    }

    void linkListen(CoreListenSocket ls) {
        ls.next = listenHead;
        ls.prev = null;
        if (listenHead != null) {
            listenHead.prev = ls;
        }
        listenHead = ls;
    }

    void unlinkListen(CoreListenSocket ls) {
        if (ls.prev != null) {
            ls.prev.next = ls.next;
        } else if (listenHead == ls) {
            listenHead = ls.next;
        }
        if (ls.next != null) {
            ls.next.prev = ls.prev;
        }
        ls.prev = null;
        ls.next = null;
    }

    /** Turns an accepted raw connection into an open socket of this context and calls onOpen. */
    CoreSocket acceptRaw(Object raw, Object socketExt) {
        CoreSocket s = newSocket(CoreSocket.KIND_SOCKET);
        s.ext = socketExt;
        try {
            loop.eventing.register(s, raw);
        } catch (IOException e) {
            loop.ops.close(raw);
            throw new UncheckedIOException("cannot register an accepted connection", e);
        }
        loop.liveCount++;
        linkSocket(s);
        s.setInterest(CoreSocket.READABLE);
        s.emitOpen(false);
        return s;
    }

    /**
     * Creates the socket object for this context; a TLS context returns its own kind.
     *
     * @param kind {@code KIND_SOCKET} or {@code KIND_CONNECTING}
     * @return the new socket, not yet linked
     */
    protected CoreSocket newSocket(byte kind) {
        return new CoreSocket(this, kind);
    }

    // ---------------------------------------------------------------- connect

    @Override
    public Socket<S> connect(String host, int port, String sourceHost) {
        checkOpen();
        checkPort(port);
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("connect host is " + (host == null ? "null" : "empty"));
        }
        if (sourceHost != null && sourceHost.isEmpty()) {
            throw new IllegalArgumentException("connect source host is empty; pass null for any local address");
        }
        CoreSocket s = newSocket(CoreSocket.KIND_CONNECTING);
        loop.liveCount++;
        InetAddress literal = IpLiterals.parse(host);
        InetAddress sourceLiteral = sourceHost == null ? null : IpLiterals.parse(sourceHost);
        if (literal != null && (sourceHost == null || sourceLiteral != null)) {
            // IP literals: straight to the kernel, no lookup and no side state.
            InetSocketAddress source = sourceLiteral == null ? null : new InetSocketAddress(sourceLiteral, 0);
            return cast(connectTo(s, new InetSocketAddress(literal, port), source));
        }
        // A name: the socket waits in the context's list (so timeouts and close reach it) while it resolves.
        linkSocket(s);
        loop.startConnect(s, new PendingConnect(loop, s, host, literal, port, sourceHost, sourceLiteral));
        return cast(s);
    }

    @Override
    public Socket<S> connectUnix(String path) {
        checkOpen();
        checkUnixPath(path);
        CoreSocket s = newSocket(CoreSocket.KIND_CONNECTING);
        loop.liveCount++;
        return cast(connectTo(s, UnixDomainSocketAddress.of(path), null));
    }

    private CoreSocket connectTo(CoreSocket s, SocketAddress remote, SocketAddress source) {
        Object raw;
        try {
            raw = loop.ops.connect(remote, source);
        } catch (IOException e) {
            s.failConnectLater(ErrorCodes.of(e), e);
            return s;
        }
        try {
            loop.eventing.register(s, raw);
        } catch (IOException e) {
            loop.ops.close(raw);
            s.failConnectLater(ErrorCodes.of(e), e);
            return s;
        }
        linkSocket(s);
        s.setInterest(CoreSocket.WRITABLE);
        return s;
    }

    // ---------------------------------------------------------------- adoption

    @Override
    public <T> Socket<S> adopt(Socket<T> socket, S newExt) {
        checkOpen();
        if (!(socket instanceof CoreSocket s)) {
            throw new IllegalArgumentException("cannot adopt " + socket + ": not a socket of this library");
        }
        if (s.isClosed()) {
            return cast(s);
        }
        if (s.context.loop != loop) {
            throw new IllegalArgumentException("cannot adopt a socket of another loop");
        }
        if (s.lowPriorityState != CoreSocket.LOW_PRIORITY_QUEUED) {
            s.context.unlinkSocket(s);
            s.context = cast(this);
            linkSocket(s);
        } else {
            s.context = cast(this);
        }
        s.timeout = CoreSocket.DISARMED;
        s.longTimeout = CoreSocket.DISARMED;
        s.ext = newExt;
        return cast(s);
    }

    @Override
    public Socket<S> adoptAccepted(NativeHandle handle, S socketExt) {
        checkOpen();
        if (handle == null) {
            throw new IllegalArgumentException("handle to adopt is null");
        }
        Object raw;
        try {
            raw = loop.rawOf(handle);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot adopt " + handle, e);
        }
        return cast(acceptRaw(raw, socketExt));
    }

    @Override
    public <C2, S2> SocketContext<C2, S2> createChild() {
        checkOpen();
        return new CoreContext<>(loop, this);
    }

    // ---------------------------------------------------------------- sockets list

    void linkSocket(CoreSocket s) {
        s.context = cast(this);
        s.next = head;
        s.prev = null;
        if (head != null) {
            head.prev = s;
        }
        head = s;
    }

    void unlinkSocket(CoreSocket s) {
        if (s == iterator) {
            iterator = s.next;
        }
        if (s.prev != null) {
            s.prev.next = s.next;
        } else if (head == s) {
            head = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        }
        s.prev = null;
        s.next = null;
    }

    /** One sweep tick (µSockets' us_internal_timer_sweep for one context). */
    void sweep() {
        globalTick++;
        int shortTicks = (int) (globalTick % TICKS);
        int longTicks = (int) ((globalTick / loop.ticksPerLongTick) % TICKS);
        timestamp = shortTicks;
        longTimestamp = longTicks;
        iterator = head;
        while (iterator != null) {
            CoreSocket s = iterator;
            if ((s.timeout & 0xFF) == shortTicks) {
                s.timeout = CoreSocket.DISARMED;
                s.emitTimeout();
            }
            if (iterator == s && (s.longTimeout & 0xFF) == longTicks) {
                s.longTimeout = CoreSocket.DISARMED;
                s.emitLongTimeout();
            }
            if (iterator == s) {
                iterator = s.next;
            }
        }
    }

    // ---------------------------------------------------------------- close and free

    @Override
    public void close() {
        loop.checkThread();
        closeAll(CloseCode.NORMAL);
    }

    void closeAll(CloseCode code) {
        while (listenHead != null) {
            listenHead.close();
        }
        while (head != null) {
            head.close(code, null);
        }
        // The queue is walked again from its head after each close: onClose may close or release other sockets,
        // so a link read before the close can be stale.
        CoreSocket s = loop.lowPriorityHead;
        while (s != null) {
            if (s.context == this) {
                s.close(code, null);
                s = loop.lowPriorityHead;
            } else {
                s = s.next;
            }
        }
    }

    @Override
    public void free() {
        loop.checkThread();
        if (freed) {
            return;
        }
        closeAll(CloseCode.NORMAL);
        loop.unlinkContext(this);
        freed = true;
        releaseResources();
    }

    /** Called once when the context is freed (by free() or the loop's free); TLS releases its native context here. */
    protected void releaseResources() {
    }

    // ---------------------------------------------------------------- SNI (TLS contexts only)

    private static IllegalStateException notTls(String what) {
        return new IllegalStateException(what + " needs a TLS socket context; this one is plain");
    }

    @Override
    public void addServerName(String hostnamePattern, SocketContextOptions options, Object userData) {
        loop.checkThread();
        throw notTls("addServerName(" + hostnamePattern + ")");
    }

    @Override
    public void removeServerName(String hostnamePattern) {
        loop.checkThread();
        throw notTls("removeServerName(" + hostnamePattern + ")");
    }

    @Override
    public Object findServerNameUserData(String hostnamePattern) {
        loop.checkThread();
        throw notTls("findServerNameUserData(" + hostnamePattern + ")");
    }

    @Override
    public SocketContext<C, S> onServerName(ServerNameHandler handler) {
        loop.checkThread();
        throw notTls("onServerName");
    }

    @Override
    public String toString() {
        return "SocketContext[" + (freed ? "freed" : loop.backend()) + "]";
    }
}
