package io.usockets.core;

import io.usockets.ListenSocket;
import io.usockets.NativeHandle;
import io.usockets.SocketContext;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A listen socket: accepts until the backend says no more (µSockets' accept loop in loop.c), offering each
 * connection to onPreOpen before it becomes a socket. When accept fails for want of descriptors (EMFILE/ENFILE)
 * it stops listening and retries on a timer with exponential back-off instead of spinning.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class CoreListenSocket extends CorePoll implements ListenSocket {

    static {
        // Loaded up front: when accept fails for lack of descriptors, loading a class from a class-path directory
        // would fail the same way.
        ErrorCodes.class.getName();
    }


    private static final long FIRST_BACKOFF_NANOS = 10_000_000L;
    private static final long MAX_BACKOFF_NANOS = 1_000_000_000L;

    private final CoreContext<?, ?> context;
    private final Path unixFile;
    private int port = -2;
    private boolean closed;
    private CoreTimer<Void> backoffTimer;
    private long backoffNanos;

    CoreListenSocket prev;
    CoreListenSocket next;

    CoreListenSocket(CoreContext<?, ?> context, Path unixFile) {
        super(KIND_LISTEN);
        this.context = context;
        this.unixFile = unixFile;
    }

    void setInterest(int events) {
        context.loop.eventing.setInterest(this, events);
    }

    @Override
    public void onReady(int events, boolean error) {
        CoreLoop loop = context.loop;
        while (!closed) {
            Object raw;
            try {
                raw = loop.ops.accept(loop.eventing.raw(this));
            } catch (IOException e) {
                acceptFailed(e);
                return;
            }
            if (raw == null) {
                backoffNanos = 0;
                return;
            }
            SocketContext.PreOpenHandler preOpen = context.preOpen;
            if (preOpen != null) {
                NativeHandle offered = loop.ops.handleOf(raw);
                NativeHandle kept;
                try {
                    kept = preOpen.onPreOpen(context, offered);
                } catch (Throwable t) {
                    loop.ops.close(raw);
                    loop.callbackFailed(context, t);
                    continue;
                }
                if (kept == null) {
                    continue;
                }
                try {
                    raw = loop.rawOf(kept);
                } catch (IOException | IllegalArgumentException e) {
                    CoreLoop.log().log(System.Logger.Level.WARNING, "onPreOpen returned an unusable handle", e);
                    continue;
                }
            }
            if (context.freed) {
                loop.ops.close(raw);
                return;
            }
            context.acceptRaw(raw, null);
        }
    }

    private void acceptFailed(IOException e) {
        CoreLoop loop = context.loop;
        backoffNanos = backoffNanos == 0 ? FIRST_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
        if (ErrorCodes.isOutOfDescriptors(e)) {
            CoreLoop.log().log(System.Logger.Level.WARNING,
                    "accept failed: out of descriptors; listening again in " + backoffNanos / 1_000_000 + " ms", e);
        } else {
            CoreLoop.log().log(System.Logger.Level.WARNING,
                    "accept failed; listening again in " + backoffNanos / 1_000_000 + " ms", e);
        }
        setInterest(0);
        if (backoffTimer == null) {
            backoffTimer = new CoreTimer<>(loop, true, null);
        }
        backoffTimer.setInternal(t -> {
            if (!closed) {
                setInterest(READABLE);
            }
        }, backoffNanos, 0);
    }

    @Override
    public SocketContext<?, ?> context() {
        return context;
    }

    @Override
    public int port() {
        if (closed || unixFile != null) {
            return -1;
        }
        if (port == -2) {
            port = context.loop.ops.localPort(context.loop.eventing.raw(this));
        }
        return port;
    }

    @Override
    public void close() {
        CoreLoop loop = context.loop;
        loop.checkThread();
        if (closed) {
            return;
        }
        closed = true;
        context.unlinkListen(this);
        if (backoffTimer != null) {
            backoffTimer.close();
            backoffTimer = null;
        }
        loop.eventing.close(this);
        io = null;
        loop.liveCount--;
        if (unixFile != null) {
            try {
                Files.deleteIfExists(unixFile);
            } catch (IOException e) {
                CoreLoop.log().log(System.Logger.Level.WARNING, "cannot remove unix socket file " + unixFile, e);
            }
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public NativeHandle nativeHandle() {
        context.loop.checkThread();
        return closed ? null : context.loop.ops.handleOf(context.loop.eventing.raw(this));
    }

    @Override
    public String toString() {
        return "ListenSocket[" + (closed ? "closed" : unixFile != null ? unixFile.toString() : "port " + port()) + "]";
    }
}
