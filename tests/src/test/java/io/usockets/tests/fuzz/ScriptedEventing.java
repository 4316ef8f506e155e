package io.usockets.tests.fuzz;

import io.usockets.core.spi.Backend;
import io.usockets.core.spi.BlockingEventing;
import io.usockets.core.spi.CorePoll;
import io.usockets.core.spi.Eventing;
import io.usockets.LoopOptions;
import io.usockets.core.spi.SocketOps;

import java.util.ArrayList;
import java.util.List;

/**
 * The eventing of the scripted kernel: readiness comes from the {@link Script} — which registered polls are ready, in
 * which order, with which of their interests, with or without an error flag — and so does the clock
 * ({@link #nanoTime()}): a wait may last until the next timer, a random time, or no time at all. It is a backend
 * object handed to the loop as its hint, never registered with ServiceLoader.
 *
 * <p>The fuzz driver runs iterations one at a time with {@link #iterate()}, between its own API calls.
 */
final class ScriptedEventing extends BlockingEventing implements Backend {

    /** A registration: the eventing's handle in {@link CorePoll#io}. */
    static final class Registration {
        CorePoll poll;
        final ScriptedDescriptor raw;
        int interest;

        Registration(CorePoll poll, ScriptedDescriptor raw) {
            this.poll = poll;
            this.raw = raw;
        }
    }

    private final Script script;
    private final ScriptedOps ops;
    final List<Registration> registrations = new ArrayList<>();
    private long now = 1_000_000_000L;
    /** The calm kernel's copy of the registrations, reused so that a calm iteration allocates nothing. */
    private Registration[] calm = new Registration[16];
    int wakeups;
    boolean closed;

    ScriptedEventing(Script script, ScriptedOps ops) {
        this.script = script;
        this.ops = ops;
    }

    // ---------------------------------------------------------------- Backend: this object is the loop's hint

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Eventing createEventing(LoopOptions options) {
        return this;
    }

    // ---------------------------------------------------------------- Eventing

    @Override
    public String backendName() {
        return "scripted";
    }

    @Override
    public SocketOps ops() {
        return ops;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void register(CorePoll poll, Object raw) {
        Registration r = new Registration(poll, (ScriptedDescriptor) raw);
        poll.io = r;
        registrations.add(r);
    }

    @Override
    public void setInterest(CorePoll poll, int events) {
        ((Registration) poll.io).interest = events;
    }

    @Override
    public Object raw(CorePoll poll) {
        return ((Registration) poll.io).raw;
    }

    @Override
    public boolean isRegistered(Object raw) {
        for (Registration r : registrations) {
            if (r.raw == raw) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close(CorePoll poll) {
        Registration r = (Registration) poll.io;
        if (r != null) {
            registrations.remove(r);
            ops.close(r.raw);
        }
    }

    @Override
    public void deregister(CorePoll poll) {
        Registration r = (Registration) poll.io;
        if (r != null) {
            registrations.remove(r);
        }
    }

    @Override
    public void transfer(CorePoll from, CorePoll to) {
        Registration r = (Registration) from.io;
        r.poll = to;
        to.io = r;
        from.io = null;
    }

    @Override
    public void wakeup() {
        wakeups++;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** What run() does before its first iteration: the calling thread owns the loop, the sweep starts. */
    void begin() {
        core.setOwner(Thread.currentThread());
        core.integrate();
    }

    /** One iteration of the loop, its events chosen by the script. */
    void iterate() {
        core.openIteration();
        waitAndDispatch(core.waitNanos());
        core.closeIteration();
    }

    /** Whether the loop would keep running (a live poll that is not fallthrough). */
    boolean keepsRunning() {
        return core.keepsRunning();
    }

    /**
     * The wait: the clock moves (to the next timer, by a random step, or not at all — a wakeup or pending work
     * returns at once), then up to four registered polls get a ready event each, in the script's order.
     */
    @Override
    protected void waitAndDispatch(long timeoutNanos) {
        switch (script.pick(4)) {
            case 0:
                if (timeoutNanos > 0) {
                    now += timeoutNanos;
                }
                break;
            case 1:
                now += script.range(0, 3_000) * 1_000_000L;
                break;
            default:
                break;
        }
        if (script.exhausted()) {
            // A calm kernel: every poll is ready for all it asks for, so handshakes and echoes run to their end.
            int n = registrations.size();
            if (calm.length < n) {
                calm = new Registration[Math.max(n, 2 * calm.length)];
            }
            registrations.toArray(calm);
            for (int i = 0; i < n; i++) {
                Registration r = calm[i];
                calm[i] = null;
                if (registrations.contains(r) && r.interest != 0) {
                    r.poll.onReady(r.interest, false);
                }
            }
            return;
        }
        int events = Math.min(registrations.size(), script.pick(5));
        List<Registration> ready = new ArrayList<>(events);
        List<Registration> candidates = new ArrayList<>(registrations);
        for (int i = 0; i < events && !candidates.isEmpty(); i++) {
            ready.add(candidates.remove(script.pick(candidates.size())));
        }
        for (Registration r : ready) {
            if (!registrations.contains(r) || r.interest == 0) {
                continue; // closed by an earlier event of this batch, or not interested in anything
            }
            int mask = r.interest & script.range(1, 3);
            boolean error = script.oneIn(32);
            if (mask == 0 && !error) {
                continue;
            }
            r.poll.onReady(mask == 0 ? r.interest : mask, error);
        }
    }
}
