package io.usockets.core;

import io.usockets.Loop;
import io.usockets.NativeHandle;
import io.usockets.Poll;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A user poll (µSockets' us_poll_t of POLL_TYPE_CALLBACK): readiness of any handle of the loop's backend delivered
 * to a callback. The handle stays the user's: {@link #free()} unregisters it but does not close it. A
 * non-fallthrough poll counts as live from creation until freed.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class CoreUserPoll<E> extends CorePoll implements Poll<E> {

    private final CoreLoop loop;
    private final boolean fallthrough;
    private Callback<E> callback;
    private NativeHandle handle;
    private int events;
    private boolean freed;
    private E ext;

    /** Links in the loop's list of user polls. */
    private CoreUserPoll<?> prev;
    private CoreUserPoll<?> next;

    CoreUserPoll(CoreLoop loop, boolean fallthrough) {
        super(KIND_CALLBACK);
        this.loop = loop;
        this.fallthrough = fallthrough;
        if (!fallthrough) {
            loop.liveCount++;
        }
        next = loop.userPolls;
        if (next != null) {
            next.prev = this;
        }
        loop.userPolls = this;
    }

    @Override
    public void init(NativeHandle nativeHandle, Callback<E> cb) {
        loop.checkThread();
        if (freed) {
            return;
        }
        if (nativeHandle == null || cb == null) {
            throw new IllegalArgumentException("poll init needs a handle and a callback, got " + nativeHandle + ", " + cb);
        }
        if (handle != null) {
            throw new IllegalStateException("poll is already bound to " + handle);
        }
        try {
            loop.eventing.register(this, loop.rawOf(nativeHandle));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot register " + nativeHandle, e);
        }
        this.handle = nativeHandle;
        this.callback = cb;
    }

    private void checkBound() {
        loop.checkThread();
        if (handle == null && !freed) {
            throw new IllegalStateException("poll is not bound to a handle: call init first");
        }
    }

    private static void checkEvents(int events) {
        if ((events & ~(Poll.READABLE | Poll.WRITABLE)) != 0) {
            throw new IllegalArgumentException("poll events " + events + " are out of range; expected a mask of "
                    + "READABLE (1) and WRITABLE (2)");
        }
    }

    @Override
    public void start(int newEvents) {
        change(newEvents);
    }

    @Override
    public void change(int newEvents) {
        checkBound();
        checkEvents(newEvents);
        if (freed) {
            return;
        }
        events = newEvents;
        loop.eventing.setInterest(this, newEvents);
    }

    @Override
    public void stop() {
        checkBound();
        if (freed) {
            return;
        }
        events = 0;
        loop.eventing.setInterest(this, 0);
    }

    @Override
    public int events() {
        return events;
    }

    @Override
    public NativeHandle handle() {
        return handle;
    }

    @Override
    public void onReady(int ready, boolean error) {
        if (freed) {
            return;
        }
        try {
            callback.onReady(this, ready & events, error);
        } catch (Throwable t) {
            loop.callbackFailed(this, t);
        }
    }

    @Override
    public void free() {
        loop.checkThread();
        if (freed) {
            return;
        }
        freed = true;
        if (io != null) {
            loop.eventing.deregister(this);
            io = null;
        }
        if (!fallthrough) {
            loop.liveCount--;
        }
        if (prev != null) {
            prev.next = next;
        } else if (loop.userPolls == this) {
            loop.userPolls = next;
        }
        if (next != null) {
            next.prev = prev;
        }
        prev = null;
        next = null;
        callback = null;
    }

    /** Frees every user poll of the loop (loop free). */
    static void freeAll(CoreLoop loop) {
        while (loop.userPolls != null) {
            loop.userPolls.free();
        }
    }

    @Override
    public boolean isFreed() {
        return freed;
    }

    @Override
    public Loop loop() {
        return loop;
    }

    @Override
    public E ext() {
        return ext;
    }

    @Override
    public void setExt(E value) {
        loop.checkThread();
        this.ext = value;
    }

    @Override
    public String toString() {
        return "Poll[" + (freed ? "freed" : handle) + "]";
    }
}
