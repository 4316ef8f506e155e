package io.usockets.core;

import io.usockets.CloseCode;
import io.usockets.Loop;
import io.usockets.NativeHandle;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A socket: µSockets' socket.c and the socket half of loop.c's dispatch. The object is the poll (docs/RULES.md I1):
 * its backend handle, interest, state bits, timeouts and the intrusive links of its context's list are fields here,
 * and nothing else is allocated per connection by the core.
 *
 * <p>Lifecycle: connecting ({@link #KIND_CONNECTING}) or open ({@link #KIND_SOCKET}) → closed. Closing unlinks
 * it, closes the descriptor, calls onClose once (onConnectError for a connecting socket) and links it into the
 * loop's closed list; after the iteration the loop releases it (the live count drops and the handle is cleared).
 * Every call on a closed socket is a silent no-op.
 *
 * <p>Layers: a TLS socket is a subclass that changes what the core does through six protected hooks, and nothing
 * else — {@link #opened} (TCP is open), {@link #received} (bytes, end of stream or held input arrive),
 * {@link #send} (the application writes), {@link #flushOutput} (the kernel can take bytes, flush, shutdown),
 * {@link #closed} (the socket closed) and {@link #info} (TLS details the API reports). Every other method is final.
 * The core keeps the state a layer needs it to honour: a socket stays <em>opening</em> from TCP open until the
 * layer calls {@link #open} (not established, writes return 0, no onWritable), a FIN can wait for the layer's
 * backlog, and input the layer held back during a pause is offered again after {@code resumeReading}.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
public class CoreSocket extends CorePoll implements Socket<Object> {

    /** A timeout byte that matches no tick (µSockets uses 255 the same way). */
    static final byte DISARMED = (byte) 255;

    static final byte CLOSED = 1;
    static final byte SHUT_DOWN = 2;
    static final byte READ_PAUSED = 4;
    static final byte READ_DONE = 8;
    /** TCP is open but the layer has not opened the socket to the application yet (the TLS handshake runs). */
    static final byte OPENING = 16;
    /** shutdown() was called; the FIN waits until the layer has written the bytes it holds back. */
    static final byte FIN_PENDING = 32;
    /** The layer holds back input read while reading was paused; READABLE stays off until it is offered again. */
    static final byte INPUT_HELD = 64;
    /** A TLS socket. */
    static final byte TLS = (byte) 128;

    /** {@link #info} key: the object {@link #nativeHandle()} carries as {@link NativeHandle#tls()}. */
    protected static final int INFO_TLS_HANDLE = 0;
    /** {@link #info} key: what {@link #serverNameUserData()} returns. */
    protected static final int INFO_SERVER_NAME_USER_DATA = 1;
    /** {@link #info} key: what {@link #alpnProtocol()} returns. */
    protected static final int INFO_ALPN_PROTOCOL = 2;

    /** What {@link #received} gets when held input is offered again: no new bytes. */
    private static final ByteBuffer NO_BYTES = ByteBuffer.allocateDirect(0).asReadOnlyBuffer();

    static final byte LOW_PRIORITY_NONE = 0;
    static final byte LOW_PRIORITY_QUEUED = 1;
    static final byte LOW_PRIORITY_RELEASED = 2;

    /** Owning context; typed loosely because adoption changes the extension type. */
    CoreContext<Object, Object> context;
    Object ext;
    /** Links in the context's list, the low-priority queue or the loop's closed list. */
    CoreSocket prev;
    CoreSocket next;
    byte timeout = DISARMED;
    byte longTimeout = DISARMED;
    private byte flags;
    /** Interest the core wants, before READ_PAUSED is applied. */
    private byte events;
    byte lowPriorityState;

    /**
     * Creates a plain socket of {@code context}.
     *
     * @param context the socket's context
     * @param kind    {@code KIND_SOCKET} (open) or {@code KIND_CONNECTING}
     */
    protected CoreSocket(CoreContext<?, ?> context, byte kind) {
        this(context, kind, false);
    }

    /**
     * Creates a socket of {@code context}; {@code tls} marks a TLS socket (its layer's subclass).
     *
     * @param context the socket's context
     * @param kind    {@code KIND_SOCKET} (open) or {@code KIND_CONNECTING}
     * @param tls     whether it is a TLS socket
     */
    @SuppressWarnings("unchecked")
    protected CoreSocket(CoreContext<?, ?> context, byte kind, boolean tls) {
        super(kind);
        this.context = (CoreContext<Object, Object>) context;
        if (tls) {
            flags = TLS;
        }
    }

    // ---------------------------------------------------------------- interest

    /** Sets the interest the core wants; READ_PAUSED masks READABLE. */
    final void setInterest(int wanted) {
        events = (byte) wanted;
        applyInterest();
    }

    final void addInterest(int bits) {
        if ((events & bits) != bits) {
            setInterest(events | bits);
        }
    }

    final void removeInterest(int bits) {
        if ((events & bits) != 0) {
            setInterest(events & ~bits);
        }
    }

    private void applyInterest() {
        if ((flags & CLOSED) == 0 && io != null) {
            int effective = (flags & (READ_PAUSED | INPUT_HELD)) != 0 ? events & ~READABLE : events;
            context.loop.eventing.setInterest(this, effective);
        }
    }

    // ---------------------------------------------------------------- dispatch (µSockets' us_internal_dispatch_ready_poll)

    @Override
    public final void onReady(int ready, boolean error) {
        if ((flags & CLOSED) != 0) {
            return;
        }
        if (kind == KIND_CONNECTING) {
            finishConnect();
            return;
        }
        CoreLoop loop = context.loop;
        if ((ready & WRITABLE) != 0) {
            loop.lastWriteFailed = false;
            emitWritable();
            if ((flags & CLOSED) != 0) {
                return;
            }
            if (!loop.lastWriteFailed || (flags & SHUT_DOWN) != 0) {
                removeInterest(WRITABLE);
            }
        }
        if ((ready & READABLE) != 0) {
            LowPriority hook = context.lowPriority;
            if (hook != null && hook.isLowPriority(this)) {
                if (lowPriorityState == LOW_PRIORITY_RELEASED) {
                    lowPriorityState = LOW_PRIORITY_NONE;
                } else if (loop.lowPriorityBudget > 0) {
                    loop.lowPriorityBudget--;
                } else {
                    // Park it: no reading this iteration, newest first when the budget returns.
                    removeInterest(READABLE);
                    context.unlinkSocket(this);
                    loop.pushLowPriority(this);
                    return;
                }
            }
            read(loop);
        } else if (error) {
            close(CloseCode.RESET, null);
        }
    }

    /** Reads once into the loop's receive buffer after READABLE readiness and hands on what came. */
    private void read(CoreLoop loop) {
        ByteBuffer buffer = loop.receiveBuffer;
        buffer.clear();
        int n;
        try {
            n = loop.ops.read(loop.eventing.raw(this), buffer);
        } catch (IOException e) {
            close(ErrorCodes.of(e), e);
            return;
        }
        if (n > 0) {
            ByteBuffer view = loop.receiveView;
            view.limit(n).position(0);
            received(view);
        } else if (n < 0) {
            received(null);
        }
    }

    /**
     * The peer's FIN (docs/RULES.md I6): after our shutdown it closes, else reading stops and {@link #emitEnd()} runs.
     * The TLS layer also calls it when a close_notify arrives.
     */
    protected final void receivedEnd() {
        if ((flags & CLOSED) != 0) {
            return;
        }
        if ((flags & SHUT_DOWN) != 0) {
            close(CloseCode.NORMAL, null);
            return;
        }
        flags |= READ_DONE;
        removeInterest(READABLE);
        emitEnd();
    }

    /** Calls onEnd. */
    private void emitEnd() {
        try {
            context.end.handle(cast(this));
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    private void finishConnect() {
        CoreLoop loop = context.loop;
        boolean connected;
        try {
            connected = loop.ops.finishConnect(loop.eventing.raw(this));
        } catch (IOException e) {
            connectFailed(ErrorCodes.of(e), e);
            return;
        }
        if (connected) {
            connected();
        }
    }

    /** The connect completed (on this socket's descriptor, or an attempt's moved to it): TCP is open. */
    final void connected() {
        kind = KIND_SOCKET;
        setInterest(READABLE);
        emitOpen(true);
    }

    // ---------------------------------------------------------------- callbacks

    @SuppressWarnings("unchecked")
    static <T> Socket<T> cast(CoreSocket s) {
        return (Socket<T>) (Socket<?>) s;
    }

    /** TCP is open: the socket is opening until the layer (by default at once) opens it. */
    final void emitOpen(boolean isClient) {
        flags |= OPENING;
        opened(isClient);
    }

    /**
     * Calls onData with {@code view} (the loop's receive view, or a layer's plaintext).
     *
     * @param view the bytes, at least one
     */
    protected final void emitData(ByteBuffer view) {
        try {
            context.data.onData(cast(this), view);
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    /** The kernel can take bytes: the layer's backlog first, then a waiting FIN, else onWritable once open. */
    private void emitWritable() {
        if (!flushOutput(false) || (flags & CLOSED) != 0) {
            return;
        }
        if ((flags & FIN_PENDING) != 0) {
            sendFin(context.loop);
            return;
        }
        if ((flags & OPENING) != 0) {
            return;
        }
        try {
            context.writable.handle(cast(this));
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    /** Calls onTimeout (the TLS context's handler fails a handshake that is still running). */
    final void emitTimeout() {
        try {
            context.timeout.handle(cast(this));
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    final void emitLongTimeout() {
        try {
            context.longTimeout.handle(cast(this));
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    // ---------------------------------------------------------------- layer hooks

    /**
     * Hook: TCP is open (accepted, or a connect completed); core calls it once, with READABLE armed and the socket
     * <em>opening</em>. A layer starts its handshake here and calls {@link #open} when it completes, or closes the
     * socket; until then the socket is not established, writes return 0 and onWritable is not called. The
     * default opens the socket at once.
     *
     * @param isClient true for a completed connect
     */
    protected void opened(boolean isClient) {
        open(isClient);
    }

    /**
     * Hook: input arrived. Core calls it with the loop's read-only view of the bytes just read (never empty), with
     * null at the peer's FIN, and with an empty buffer when input the layer held back ({@link #holdInput}) may go
     * on after {@code resumeReading} (from a deferred task). The view is valid only during the call. A layer
     * unseals the bytes and hands plaintext to {@link #emitData}; at the end of its stream it calls
     * {@link #receivedEnd}. The default calls onData, or {@code receivedEnd} for null.
     *
     * @param data the bytes read, null at the FIN, or empty to go on with held input
     */
    protected void received(ByteBuffer data) {
        if (data == null) {
            receivedEnd();
        } else if (data.hasRemaining()) {
            emitData(data);
        }
    }

    /**
     * Hook: the application writes; core calls it from {@code write} (header null) and {@code write2} with at
     * least one byte to send, only on an open socket that is not shut down, and returns its result: how many of
     * the caller's bytes were taken, the buffers advanced by as many. A layer seals the bytes and sends the
     * records with {@link #transmit}, keeping what the kernel does not take. The default transmits them.
     *
     * @param header  the first bytes, or null for {@code write}
     * @param payload the bytes after them
     * @param msgMore whether more follows at once
     * @return the caller's bytes taken
     */
    protected long send(ByteBuffer header, ByteBuffer payload, boolean msgMore) {
        return header == null ? transmit(payload, msgMore) : transmit(header, payload);
    }

    /**
     * Hook: output may flow. Core calls it with {@code end} false when the kernel can take bytes again (before
     * onWritable) and from {@code flush} (before the kernel's flush), and with {@code end} true from
     * {@code shutdown} (before the FIN) and from an orderly {@code close} of an open socket not shut down (before
     * closing). A layer transmits what it holds back, after its end-of-output record if {@code end}; it returns
     * whether nothing is held back any more. While it is not, onWritable and the kernel's flush wait, and so does
     * the FIN of a {@code shutdown}, sent once a later call returns true. The default holds nothing back.
     *
     * @param end whether the output ends (shutdown or close)
     * @return true when nothing is held back
     */
    protected boolean flushOutput(boolean end) {
        return true;
    }

    /**
     * Hook: the socket closed; core calls it once, after it is marked closed and its descriptor closed, before
     * onClose or onConnectError. A layer frees its state (TLS: the {@code SSL}). The default does nothing.
     */
    protected void closed() {
    }

    /**
     * Hook: a detail only a layer knows; core calls it from the API methods that report it, with one of the
     * {@code INFO_} keys, and returns the answer (null: none). The default knows none.
     *
     * @param key one of the {@code INFO_} keys
     * @return the answer, or null
     */
    protected Object info(int key) {
        return null;
    }

    // ---------------------------------------------------------------- what layers call

    /**
     * Opens the socket to the application: it stops opening and onOpen runs; a no-op unless opening.
     *
     * @param isClient true for a completed connect
     */
    protected final void open(boolean isClient) {
        if ((flags & (CLOSED | OPENING)) != OPENING) {
            return;
        }
        flags &= ~OPENING;
        try {
            context.open.onOpen(cast(this), isClient);
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    /**
     * Whether TCP is open but the layer has not opened the socket yet.
     *
     * @return true between TCP open and {@link #open}
     */
    protected final boolean isOpening() {
        return (flags & OPENING) != 0;
    }

    /**
     * Whether input must wait: reading is paused, or held input has not been offered again yet.
     *
     * @return true while input must wait
     */
    protected final boolean isInputPaused() {
        return (flags & (READ_PAUSED | INPUT_HELD)) != 0;
    }

    /** Marks that the layer holds back input; {@code resumeReading} offers it again through {@link #received}. */
    protected final void holdInput() {
        if ((flags & CLOSED) == 0) {
            boolean masked = (flags & (READ_PAUSED | INPUT_HELD)) != 0;
            flags |= INPUT_HELD;
            if (!masked) {
                applyInterest();
            }
        }
    }

    /** Offers held input again (a task deferred by {@code resumeReading}), then re-arms reading. */
    private void offerHeldInput() {
        if ((flags & (CLOSED | READ_PAUSED | INPUT_HELD)) != INPUT_HELD) {
            return;
        }
        flags &= ~INPUT_HELD;
        received(NO_BYTES);
        applyInterest();
    }

    // ---------------------------------------------------------------- writing

    @Override
    public final int write(ByteBuffer data) {
        return write(data, false);
    }

    @Override
    public final int write(ByteBuffer data, boolean msgMore) {
        context.loop.checkThread();
        if (data == null) {
            throw new IllegalArgumentException("data to write is null");
        }
        if ((flags & (CLOSED | SHUT_DOWN | FIN_PENDING | OPENING)) != 0 || kind != KIND_SOCKET
                || !data.hasRemaining()) {
            return 0;
        }
        return (int) send(null, data, msgMore);
    }

    /**
     * Writes a layer's bytes to the kernel as they are, as {@code write} does (short count: WRITABLE; failure: 0).
     *
     * @param data    the bytes from its position to its limit
     * @param msgMore whether more follows at once
     * @return the bytes the kernel took
     */
    protected final int transmit(ByteBuffer data, boolean msgMore) {
        CoreLoop loop = context.loop;
        if ((flags & (CLOSED | SHUT_DOWN)) != 0 || kind != KIND_SOCKET) {
            return 0;
        }
        int wanted = data.remaining();
        if (wanted == 0) {
            return 0;
        }
        int written;
        try {
            written = loop.ops.write(loop.eventing.raw(this), data, msgMore);
        } catch (IOException e) {
            close(ErrorCodes.of(e), e);
            return 0;
        }
        if (written < wanted) {
            loop.lastWriteFailed = true;
            addInterest(WRITABLE);
        }
        return written;
    }

    @Override
    public final int write(byte[] data, int offset, int length, boolean msgMore) {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if (data == null) {
            throw new IllegalArgumentException("data to write is null");
        }
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length
                    + " are out of range for an array of " + data.length + " bytes");
        }
        if ((flags & (CLOSED | SHUT_DOWN | FIN_PENDING | OPENING)) != 0 || kind != KIND_SOCKET || length == 0) {
            return 0;
        }
        ByteBuffer scratch = loop.sendScratch;
        int total = 0;
        while (total < length) {
            int chunk = Math.min(length - total, scratch.capacity());
            scratch.clear();
            scratch.put(data, offset + total, chunk).flip();
            boolean more = msgMore || total + chunk < length;
            int n = (int) send(null, scratch, more);
            total += n;
            // A send that closed the socket (a reset, a TLS error) may still report its chunk as taken: the next
            // chunk must not reach a socket whose TLS state is already freed.
            if (n < chunk || (flags & CLOSED) != 0) {
                break;
            }
        }
        // A write that failed closed the socket and counts as nothing written, as with a buffer.
        return (flags & CLOSED) != 0 ? 0 : total;
    }

    @Override
    public final int write2(ByteBuffer header, ByteBuffer payload) {
        context.loop.checkThread();
        if (header == null || payload == null) {
            throw new IllegalArgumentException("write2 needs a header and a payload, got null");
        }
        if ((flags & (CLOSED | SHUT_DOWN | FIN_PENDING | OPENING)) != 0 || kind != KIND_SOCKET) {
            return 0;
        }
        if (!header.hasRemaining() && !payload.hasRemaining()) {
            return 0;
        }
        return (int) send(header, payload, false);
    }

    /** {@link #transmit(ByteBuffer, boolean)} of two buffers in one kernel write (the default {@code write2}). */
    private long transmit(ByteBuffer header, ByteBuffer payload) {
        CoreLoop loop = context.loop;
        long wanted = (long) header.remaining() + payload.remaining();
        long written;
        try {
            written = loop.ops.write2(loop.eventing.raw(this), header, payload);
        } catch (IOException e) {
            close(ErrorCodes.of(e), e);
            return 0;
        }
        if (written < wanted) {
            loop.lastWriteFailed = true;
            addInterest(WRITABLE);
        }
        return written;
    }

    @Override
    public final void flush() {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if ((flags & CLOSED) != 0 || kind != KIND_SOCKET || !flushOutput(false) || (flags & CLOSED) != 0) {
            return;
        }
        try {
            loop.ops.flush(loop.eventing.raw(this));
        } catch (IOException e) {
            close(ErrorCodes.of(e), e);
        }
    }

    // ---------------------------------------------------------------- timeouts

    @Override
    public final void timeout(int seconds) {
        CoreLoop loop = context.loop;
        loop.checkThread();
        long tickMillis = loop.tickNanos / 1_000_000L;
        long maxSeconds = (CoreContext.TICKS - 1) * loop.tickNanos / 1_000_000_000L;
        if (seconds < 0 || seconds > maxSeconds) {
            throw new IllegalArgumentException("timeout " + seconds + " s is out of range; expected 0 to " + maxSeconds
                    + " s (239 ticks of " + tickMillis + " ms)");
        }
        if ((flags & CLOSED) != 0) {
            return;
        }
        if (seconds == 0) {
            timeout = DISARMED;
            return;
        }
        long ticks = (seconds * 1_000_000_000L + loop.tickNanos - 1) / loop.tickNanos;
        timeout = (byte) ((context.timestamp + ticks) % CoreContext.TICKS);
    }

    @Override
    public final void longTimeout(int minutes) {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if (minutes < 0 || minutes > CoreContext.TICKS - 1) {
            throw new IllegalArgumentException("long timeout " + minutes + " min is out of range; expected 0 to "
                    + (CoreContext.TICKS - 1) + " min");
        }
        if ((flags & CLOSED) != 0) {
            return;
        }
        longTimeout = minutes == 0 ? DISARMED : (byte) ((context.longTimestamp + minutes) % CoreContext.TICKS);
    }

    // ---------------------------------------------------------------- properties

    @Override
    public final Object ext() {
        return ext;
    }

    @Override
    public final void setExt(Object value) {
        context.loop.checkThread();
        this.ext = value;
    }

    @Override
    public final SocketContext<?, Object> context() {
        return context;
    }

    @Override
    public final Loop loop() {
        return context.loop;
    }

    @Override
    public final boolean isClosed() {
        return (flags & CLOSED) != 0;
    }

    @Override
    public final boolean isEstablished() {
        return (flags & (CLOSED | OPENING)) == 0 && kind == KIND_SOCKET;
    }

    @Override
    public final boolean isShutDown() {
        return (flags & (SHUT_DOWN | FIN_PENDING)) != 0;
    }

    @Override
    public final boolean isTls() {
        return (flags & TLS) != 0;
    }

    @Override
    public final int localPort() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || io == null) {
            return -1;
        }
        return context.loop.ops.localPort(context.loop.eventing.raw(this));
    }

    @Override
    public final int remotePort() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || io == null || kind != KIND_SOCKET) {
            return -1;
        }
        return context.loop.ops.remotePort(context.loop.eventing.raw(this));
    }

    @Override
    public final byte[] remoteAddress() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || io == null || kind != KIND_SOCKET) {
            return new byte[0];
        }
        return context.loop.ops.remoteAddress(context.loop.eventing.raw(this));
    }

    @Override
    public final NativeHandle nativeHandle() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || io == null) {
            return null;
        }
        NativeHandle handle = context.loop.ops.handleOf(context.loop.eventing.raw(this));
        Object tls = handle == null ? null : info(INFO_TLS_HANDLE);
        return tls == null ? handle : handle.withTls(tls);
    }

    @Override
    public final Object serverNameUserData() {
        context.loop.checkThread();
        return info(INFO_SERVER_NAME_USER_DATA);
    }

    @Override
    public final String alpnProtocol() {
        context.loop.checkThread();
        return (String) info(INFO_ALPN_PROTOCOL);
    }

    // ---------------------------------------------------------------- flow control

    @Override
    public final void pauseReading() {
        context.loop.checkThread();
        if ((flags & (CLOSED | READ_PAUSED)) != 0) {
            return;
        }
        flags |= READ_PAUSED;
        applyInterest();
    }

    /** Resumes; input a layer held back is offered again from a deferred task, never inside this call. */
    @Override
    public final void resumeReading() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || (flags & READ_PAUSED) == 0) {
            return;
        }
        flags &= ~READ_PAUSED;
        applyInterest();
        if ((flags & INPUT_HELD) != 0) {
            context.loop.defer(this::offerHeldInput);
        }
    }

    // ---------------------------------------------------------------- shutdown and close

    @Override
    public final void shutdown() {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if ((flags & (CLOSED | SHUT_DOWN | FIN_PENDING)) != 0 || kind != KIND_SOCKET) {
            return;
        }
        if (!flushOutput(true)) {
            // The layer still holds bytes back (its close_notify among them): the FIN follows them.
            if ((flags & CLOSED) == 0) {
                flags |= FIN_PENDING;
            }
            return;
        }
        if ((flags & CLOSED) == 0) {
            sendFin(loop);
        }
    }

    /** Sends the FIN: output is done. */
    private void sendFin(CoreLoop loop) {
        flags = (byte) ((flags & ~FIN_PENDING) | SHUT_DOWN);
        removeInterest(WRITABLE);
        try {
            loop.ops.shutdownOutput(loop.eventing.raw(this));
        } catch (IOException e) {
            close(ErrorCodes.of(e), e);
            return;
        }
        if ((flags & READ_DONE) != 0) {
            // Both directions are finished: nothing can happen on this socket any more.
            close(CloseCode.NORMAL, null);
        }
    }

    @Override
    public final void shutdownRead() {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if ((flags & (CLOSED | READ_DONE)) != 0 || kind != KIND_SOCKET) {
            return;
        }
        try {
            loop.ops.shutdownInput(loop.eventing.raw(this));
        } catch (IOException e) {
            close(ErrorCodes.of(e), e);
        }
    }

    @Override
    public final void close() {
        close(CloseCode.NORMAL, null);
    }

    @Override
    public final void close(CloseCode code, Object reason) {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0) {
            return;
        }
        if (code == null) {
            code = CloseCode.NORMAL;
        }
        if (isConnecting()) {
            // A connect that never completed ends in onConnectError, never onClose (docs/RULES.md B2); on TLS the
            // connect completes with the handshake.
            connectFailed(code, reason);
            return;
        }
        if (code == CloseCode.NORMAL && (flags & (SHUT_DOWN | FIN_PENDING | OPENING)) == 0) {
            // An orderly close lets the layer offer its end-of-output record (TLS: close_notify) in one write.
            flushOutput(true);
            if ((flags & CLOSED) != 0) {
                return;
            }
        }
        unlinkAndClose();
        try {
            context.close.onClose(cast(this), code, reason);
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    @Override
    public final void closeConnecting() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || !isConnecting()) {
            return;
        }
        unlinkAndClose();
    }

    /** A connect in progress: TCP still connecting, or a client whose layer has not opened it yet (TLS handshake). */
    private boolean isConnecting() {
        return kind == KIND_CONNECTING || (flags & OPENING) != 0 && opensAsClient();
    }

    /**
     * Whether the layer opens this socket as a client: while it is opening, a close then ends it like a connect
     * (onConnectError, or nothing after closeConnecting), never with onClose. The default, false, is for layers that
     * open at once.
     *
     * @return true for a client socket of a layer with an opening phase
     */
    protected boolean opensAsClient() {
        return false;
    }

    /**
     * Ends a connecting socket with onConnectError (once); TLS uses it for a client whose handshake failed.
     *
     * @param code   why, for onConnectError
     * @param reason the exception or value passed along
     */
    protected final void connectFailed(CloseCode code, Object reason) {
        if ((flags & CLOSED) != 0) {
            return;
        }
        unlinkAndClose();
        try {
            context.connectError.onClose(cast(this), code, reason);
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    /** Marks a connect that failed before reaching the backend; onConnectError runs on the next iteration. */
    final void failConnectLater(CloseCode code, Throwable reason) {
        context.loop.scheduleConnectError(this, code, reason);
    }

    /** Unlinks, closes the descriptor and links into the closed list (µSockets' us_socket_close without on_close). */
    private void unlinkAndClose() {
        CoreLoop loop = context.loop;
        if (kind == KIND_CONNECTING) {
            // Resolution and Happy Eyeballs attempts in flight end with the socket.
            loop.cancelConnect(this);
        }
        if (lowPriorityState == LOW_PRIORITY_QUEUED) {
            loop.unlinkLowPriority(this);
        } else if (io != null || prev != null || context.head == this) {
            context.unlinkSocket(this);
        }
        flags |= CLOSED;
        if (io != null) {
            loop.eventing.close(this);
        }
        loop.linkClosed(this);
        closed();
    }

    /** Called by the loop after the iteration in which the socket closed. */
    final void release() {
        io = null;
        context.loop.liveCount--;
    }

    @Override
    public final String toString() {
        return (isTls() ? "TlsSocket[" : "Socket[") + (isClosed() ? "closed" : kind == KIND_CONNECTING ? "connecting"
                : (flags & OPENING) != 0 ? "opening" : "open") + "]";
    }
}
