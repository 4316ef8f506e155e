package io.usockets.core;

import io.usockets.Loop;
import io.usockets.Timer;

/**
 * A timer kept by the core in the loop's timer table (µSockets' us_timer_t). The loop polls with the nearest
 * deadline as its timeout and fires due timers after the ready events; no backend timer object is used.
 * A non-fallthrough timer counts as a live poll from creation until {@link #close()}.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class CoreTimer<E> implements Timer<E> {

    private final CoreLoop loop;
    private final boolean fallthrough;
    private Callback<E> callback;
    private E ext;

    long deadline;
    private long repeatNanos;
    boolean armed;
    private boolean closed;
    /** Slot in the loop's timer table, or -1. */
    int index = -1;

    CoreTimer(CoreLoop loop, boolean fallthrough, E ext) {
        this.loop = loop;
        this.fallthrough = fallthrough;
        this.ext = ext;
        if (!fallthrough) {
            loop.liveCount++;
        }
        loop.addTimer(this);
    }

    @Override
    public void set(Callback<E> callback, long ms, long repeatMs) {
        loop.checkThread();
        if (ms < 0 || repeatMs < 0) {
            throw new IllegalArgumentException(
                    "timer delay " + ms + " ms / repeat " + repeatMs + " ms is out of range; expected 0 or more");
        }
        if (closed) {
            return;
        }
        if (ms == 0 && repeatMs == 0) {
            armed = false;
            this.callback = callback;
            loop.timersChanged();
            return;
        }
        if (callback == null) {
            throw new IllegalArgumentException("timer callback is null");
        }
        setInternal(callback, Math.multiplyExact(ms, 1_000_000L), Math.multiplyExact(repeatMs, 1_000_000L));
    }

    /** Arms the timer in nanoseconds (used by the core's own timers too). */
    void setInternal(Callback<E> callback, long delayNanos, long repeatNanos) {
        this.callback = callback;
        this.repeatNanos = repeatNanos;
        this.deadline = loop.nanoTime() + delayNanos;
        this.armed = true;
        loop.timersChanged();
    }

    /** Called by the loop when the deadline has passed. */
    void fire(long now) {
        if (repeatNanos > 0) {
            deadline += repeatNanos;
            if (deadline - now <= 0) {
                // A period or more behind (a stalled thread): fire once and skip the periods missed, on the same
                // phase, so a host's fixed-rate task that serves this timer (the Vert.x backends' sweep) still finds
                // it due on its own runs instead of having to schedule one task per tick from then on.
                deadline += ((now - deadline) / repeatNanos + 1) * repeatNanos;
            }
        } else {
            armed = false;
        }
        loop.timersChanged();
        Callback<E> cb = callback;
        try {
            cb.onTimer(this);
        } catch (Throwable t) {
            loop.callbackFailed(this, t);
        }
    }

    @Override
    public void close() {
        loop.checkThread();
        if (closed) {
            return;
        }
        closed = true;
        armed = false;
        callback = null;
        loop.removeTimer(this);
        if (!fallthrough) {
            loop.liveCount--;
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
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
        return "Timer[" + (closed ? "closed" : armed ? "armed" : "disarmed") + (fallthrough ? ", fallthrough" : "") + "]";
    }
}
