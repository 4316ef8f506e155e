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
 * A socket: µSockets' socket.c and the socket half of loop.c's dispatch. The object is the poll (invariant 1):
 * its backend handle, interest, state bits, timeouts and the intrusive links of its context's list are fields here,
 * and nothing else is allocated per connection by the core.
 *
 * <p>Lifecycle: connecting ({@link #KIND_CONNECTING}) or open ({@link #KIND_SOCKET}) → closed. Closing unlinks
 * it, closes the descriptor, calls onClose once (onConnectError for a connecting socket) and links it into the
 * loop's closed list; after the iteration the loop releases it (the live count drops and the handle is cleared).
 * Every call on a closed socket is a silent no-op.
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

    @SuppressWarnings("unchecked")
    protected CoreSocket(CoreContext<?, ?> context, byte kind) {
        super(kind);
        this.context = (CoreContext<Object, Object>) context;
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
            int effective = (flags & READ_PAUSED) != 0 ? events & ~READABLE : events;
            context.loop.eventing.setInterest(this, effective);
        }
    }

    // ---------------------------------------------------------------- dispatch (µSockets' us_internal_dispatch_ready_poll)

    @Override
    public void onReady(int ready, boolean error) {
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
            emitData(view);
        } else if (n < 0) {
            receivedEnd();
        }
    }

    /** Bytes a completion-based backend has already read: the same path as a readiness read that returned them. */
    @Override
    public final void onReceived(ByteBuffer data) {
        if ((flags & CLOSED) == 0 && data.hasRemaining()) {
            emitData(data);
        }
    }

    /** A completion-based backend's read ended the stream: the peer's FIN (null) or a failure. */
    @Override
    public final void onReceiveEnded(IOException error) {
        if ((flags & CLOSED) != 0) {
            return;
        }
        if (error == null) {
            receivedEnd();
        } else {
            close(ErrorCodes.of(error), error);
        }
    }

    /**
     * The peer's FIN (invariant 6): after our shutdown it closes, else reading stops and {@link #emitEnd()} runs.
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

    /** Calls onEnd; TLS overrides it to tell a FIN after close_notify (already reported) from a truncation. */
    protected void emitEnd() {
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
            kind = KIND_SOCKET;
            setInterest(READABLE);
            emitOpen(true);
        }
    }

    // ---------------------------------------------------------------- callbacks

    @SuppressWarnings("unchecked")
    static <T> Socket<T> cast(CoreSocket s) {
        return (Socket<T>) (Socket<?>) s;
    }

    /** Calls onOpen; TLS overrides it to open after the handshake. */
    protected void emitOpen(boolean isClient) {
        try {
            context.open.onOpen(cast(this), isClient);
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    /** Calls onData with the loop's view; TLS overrides it to decrypt first. */
    protected void emitData(ByteBuffer view) {
        try {
            context.data.onData(cast(this), view);
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    /** Calls onWritable. */
    protected void emitWritable() {
        try {
            context.writable.handle(cast(this));
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    /** Calls onTimeout; TLS overrides it to enforce its handshake timeout before the socket opens. */
    protected void emitTimeout() {
        try {
            context.timeout.handle(cast(this));
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    void emitLongTimeout() {
        try {
            context.longTimeout.handle(cast(this));
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    // ---------------------------------------------------------------- writing

    @Override
    public int write(ByteBuffer data, boolean msgMore) {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if (data == null) {
            throw new IllegalArgumentException("data to write is null");
        }
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
    public int write(byte[] data, int offset, int length, boolean msgMore) {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if (data == null) {
            throw new IllegalArgumentException("data to write is null");
        }
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length
                    + " are out of range for an array of " + data.length + " bytes");
        }
        if ((flags & (CLOSED | SHUT_DOWN)) != 0 || kind != KIND_SOCKET || length == 0) {
            return 0;
        }
        ByteBuffer scratch = loop.sendScratch;
        Object raw = loop.eventing.raw(this);
        int total = 0;
        try {
            while (total < length) {
                int chunk = Math.min(length - total, scratch.capacity());
                scratch.clear();
                scratch.put(data, offset + total, chunk).flip();
                boolean more = msgMore || total + chunk < length;
                int n = loop.ops.write(raw, scratch, more);
                total += n;
                if (n < chunk) {
                    break;
                }
            }
        } catch (IOException e) {
            close(ErrorCodes.of(e), e);
            return 0;
        }
        if (total < length) {
            loop.lastWriteFailed = true;
            addInterest(WRITABLE);
        }
        return total;
    }

    @Override
    public int write2(ByteBuffer header, ByteBuffer payload) {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if (header == null || payload == null) {
            throw new IllegalArgumentException("write2 needs a header and a payload, got null");
        }
        if ((flags & (CLOSED | SHUT_DOWN)) != 0 || kind != KIND_SOCKET) {
            return 0;
        }
        long wanted = (long) header.remaining() + payload.remaining();
        if (wanted == 0) {
            return 0;
        }
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
        return (int) written;
    }

    @Override
    public void flush() {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if ((flags & CLOSED) != 0 || kind != KIND_SOCKET) {
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
    public void timeout(int seconds) {
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
    public void longTimeout(int minutes) {
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
    public Object ext() {
        return ext;
    }

    @Override
    public void setExt(Object value) {
        context.loop.checkThread();
        this.ext = value;
    }

    @Override
    public SocketContext<?, Object> context() {
        return context;
    }

    @Override
    public Loop loop() {
        return context.loop;
    }

    @Override
    public boolean isClosed() {
        return (flags & CLOSED) != 0;
    }

    @Override
    public boolean isEstablished() {
        return (flags & CLOSED) == 0 && kind == KIND_SOCKET;
    }

    @Override
    public boolean isShutDown() {
        return (flags & SHUT_DOWN) != 0;
    }

    @Override
    public boolean isTls() {
        return false;
    }

    @Override
    public int localPort() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || io == null) {
            return -1;
        }
        return context.loop.ops.localPort(context.loop.eventing.raw(this));
    }

    @Override
    public int remotePort() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || io == null || kind != KIND_SOCKET) {
            return -1;
        }
        return context.loop.ops.remotePort(context.loop.eventing.raw(this));
    }

    @Override
    public byte[] remoteAddress() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || io == null || kind != KIND_SOCKET) {
            return new byte[0];
        }
        return context.loop.ops.remoteAddress(context.loop.eventing.raw(this));
    }

    @Override
    public NativeHandle nativeHandle() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || io == null) {
            return null;
        }
        return context.loop.ops.handleOf(context.loop.eventing.raw(this));
    }

    @Override
    public Object serverNameUserData() {
        context.loop.checkThread();
        return null;
    }

    @Override
    public String alpnProtocol() {
        context.loop.checkThread();
        return null;
    }

    // ---------------------------------------------------------------- flow control

    @Override
    public void pauseReading() {
        context.loop.checkThread();
        if ((flags & (CLOSED | READ_PAUSED)) != 0) {
            return;
        }
        flags |= READ_PAUSED;
        applyInterest();
    }

    @Override
    public void resumeReading() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || (flags & READ_PAUSED) == 0) {
            return;
        }
        flags &= ~READ_PAUSED;
        applyInterest();
    }

    // ---------------------------------------------------------------- shutdown and close

    @Override
    public void shutdown() {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if ((flags & (CLOSED | SHUT_DOWN)) != 0 || kind != KIND_SOCKET) {
            return;
        }
        flags |= SHUT_DOWN;
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
    public void shutdownRead() {
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
    public void close(CloseCode code, Object reason) {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0) {
            return;
        }
        if (code == null) {
            code = CloseCode.NORMAL;
        }
        if (kind == KIND_CONNECTING) {
            // A connect that never completed ends in onConnectError, never onClose (SEMANTICS.md).
            connectFailed(code, reason);
            return;
        }
        unlinkAndClose();
        try {
            context.close.onClose(cast(this), code, reason);
        } catch (Throwable t) {
            context.loop.callbackFailed(this, t);
        }
    }

    @Override
    public void closeConnecting() {
        context.loop.checkThread();
        if ((flags & CLOSED) != 0 || kind != KIND_CONNECTING) {
            return;
        }
        unlinkAndClose();
    }

    /** Ends a connecting socket with onConnectError (once); TLS uses it for a client whose handshake failed. */
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

    /** Called once when the socket closes, before onClose or onConnectError; TLS frees its native state here. */
    protected void closed() {
    }

    /** Called by the loop after the iteration in which the socket closed. */
    final void release() {
        io = null;
        context.loop.liveCount--;
    }

    @Override
    public String toString() {
        return "Socket[" + (isClosed() ? "closed" : kind == KIND_CONNECTING ? "connecting" : "open") + "]";
    }
}
