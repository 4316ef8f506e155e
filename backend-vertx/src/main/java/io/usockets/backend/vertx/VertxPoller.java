package io.usockets.backend.vertx;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Vertx;
import io.usockets.core.spi.CorePoll;
import io.usockets.core.spi.Eventing;
import io.usockets.core.spi.LoopCore;
import io.usockets.core.spi.SocketOps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One loop's eventing on the Netty event loop behind a Vert.x context: every poll is a {@link VertxHandle}
 * registered with that event loop, and the loop is driven through the core's {@link LoopCore} steps as Netty delivers
 * events, runs our tasks and fires our timer. The transport subclasses say how a handle is registered and which
 * socket operations it uses.
 *
 * <p><b>Iterations.</b> Before the first event of a batch the iteration is opened (pre). After each event, if the
 * core has end-of-iteration work ({@link LoopCore#needsBatchEnd()}: closed sockets, the low-priority budget,
 * wakeups, onPre/onPost callbacks) one task is queued on the event loop, which Netty runs after the whole batch
 * of I/O: that task closes the iteration (post). Otherwise the iteration is closed right after the event, so the
 * steady state queues nothing (Netty's task queue allocates a chunk every 1024 tasks). An iteration started by
 * anything but I/O (a wakeup, a due timer, the core asking for another one) opens at once and is closed by a task
 * scheduled behind Netty's next I/O poll, so no iteration passes without a poll, as in the core's run().
 *
 * <p><b>Timers.</b> The core keeps its timers. The sweep is served by one periodic Netty task at the sweep's tick,
 * aligned with the sweep's deadlines (a periodic task is one object for good; a one-shot schedule allocates one
 * per firing). After every iteration, a nearer deadline than the next periodic run (a user timer, accept back-off)
 * is armed as one one-shot Netty task, re-armed only when it moves earlier. <b>Wakeups</b> queue one task
 * (coalesced).
 *
 * <p><b>Who drives.</b> A loop created on the event-loop thread is handed to it at once, for good. Otherwise the
 * creating thread owns the loop, and events that arrive meanwhile are parked (interest withdrawn) until
 * {@code run()} hands the loop to the event loop (and takes it back when no non-fallthrough poll is left) or
 * {@code integrate()} hands it over for good. Calls from the owning thread that must touch the event loop
 * (register, interest, close) are handed over and waited for.
 *
 * <p>Single-threaded on the event-loop thread (or the owning thread through hand-overs), except {@link #wakeup()}.
 */
abstract class VertxPoller implements Eventing {

    private static final System.Logger LOG = System.getLogger("io.usockets");
    private static final long HANDOVER_TIMEOUT_SECONDS = 30;
    /** A deadline this close before the periodic run is served by it. */
    private static final long PERIODIC_SLACK_NANOS = 1_000_000;

    private final String backendName;
    /** The transport's socket operations (channels or descriptors), one instance per loop. */
    private final SocketOps ops;
    final VertxAccess access;
    final IoEventLoop eventLoop;
    private final Thread eventLoopThread;
    /** The Vert.x instance this poller created (standalone) and closes, or null when embedded. */
    private final Vertx owned;

    private LoopCore core;
    /** The event loop drives the loop (written on the event-loop thread; read by wakeup from anywhere). */
    private volatile boolean attached;
    /** Attached for good: created on the event-loop thread, or integrate() was called. */
    private boolean attachedForGood;
    /** run() is waiting on another thread for the loop to run out of live polls. */
    private CountDownLatch runDone;
    private Thread runCaller;

    private final ArrayList<VertxHandle> parkedHandles = new ArrayList<>();

    private boolean taskQueued;
    private final Runnable iterationTask = this::iterationTask;
    private final AtomicBoolean wakeupQueued = new AtomicBoolean();
    private final Runnable wakeupTask = this::wakeupTask;
    private long armedDeadline = Long.MAX_VALUE;
    private ScheduledFuture<?> armedTimer;
    private final Runnable timerTask = this::timerTask;
    private final long tickNanos;
    private ScheduledFuture<?> periodic;
    private long periodicNext = Long.MAX_VALUE;
    private final Runnable periodicTask = this::periodicTask;

    /** Inside our own event handling ({@link #dispatch}) or our own task, on the event-loop thread. */
    private boolean inHandle;
    private boolean inTask;
    private volatile boolean closed;
    private boolean hostClosing;
    /** Close hooks of Vert.x waiting for this loop to be freed; each is completed exactly once. */
    private final ArrayList<Completable<Void>> hostClosePromises = new ArrayList<>();
    private final Closeable closeHook = this::onVertxClose;

    VertxPoller(String backendName, VertxAccess access, Vertx owned, long tickNanos, SocketOps ops) {
        this.backendName = backendName;
        this.ops = ops;
        this.tickNanos = tickNanos;
        this.access = access;
        this.eventLoop = access.eventLoop();
        this.owned = owned;
        this.eventLoopThread = eventLoop.inEventLoop() ? Thread.currentThread() : call(Thread::currentThread);
        access.addCloseHook(closeHook);
    }

    @Override
    public final String backendName() {
        return backendName;
    }

    @Override
    public final SocketOps ops() {
        return ops;
    }

    // ---------------------------------------------------------------- driving

    /** Called by the loop's constructor: a loop created on the event-loop thread is handed to it at once, for good. */
    @Override
    public final void start(LoopCore loopCore) {
        this.core = loopCore;
        if (Thread.currentThread() == eventLoopThread) {
            attachedForGood = true;
            attached = true;
            startPeriodic(core.integrate());
            iterationNeeded();
        }
    }

    /**
     * The loop's {@code run()}: hands the loop to the event loop and blocks the calling thread until no non-fallthrough
     * poll is left, then gives the loop back to the calling thread. Only the thread that owns the loop may do that.
     */
    @Override
    public final void run() {
        core.checkThread();
        Thread caller = Thread.currentThread();
        if (caller == eventLoopThread) {
            throw new IllegalStateException("run() called on the Vert.x event-loop thread '" + caller.getName()
                    + "' that drives this loop: it would block that event loop; the loop runs without run()");
        }
        if (attachedForGood) {
            throw new IllegalStateException("run() called on a loop integrated into Vert.x (created on its "
                    + "event-loop thread or integrate() called): Vert.x drives it, run() is not needed");
        }
        CountDownLatch done = new CountDownLatch(1);
        onLoop(() -> {
            runDone = done;
            runCaller = caller;
            handOver();
            return null;
        });
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public final void integrated() {
        if (attachedForGood) {
            return;
        }
        if (Thread.currentThread() == eventLoopThread) {
            attachedForGood = true;
            handOver();
            return;
        }
        onLoop(() -> {
            attachedForGood = true;
            handOver();
            return null;
        });
    }

    /** On the event-loop thread: the loop is driven from here on; parked handles get their interest back. */
    private void handOver() {
        core.setOwner(eventLoopThread);
        attached = true;
        startPeriodic(core.integrate());
        for (int i = 0; i < parkedHandles.size(); i++) {
            VertxHandle h = parkedHandles.get(i);
            h.parked = false;
            if (!h.released) {
                submit(h);
            }
        }
        parkedHandles.clear();
        iterationNeeded();
    }

    /** On the event-loop thread: run() is over, the calling thread owns the loop again. */
    private void handBack() {
        attached = false;
        cancelTimer();
        cancelPeriodic();
        Thread caller = runCaller;
        CountDownLatch done = runDone;
        runCaller = null;
        runDone = null;
        core.setOwner(caller);
        done.countDown();
    }

    /** Called by a handle for a readiness event, on the event-loop thread. */
    final void dispatch(VertxHandle h, int mask) {
        if (h.released || closed || mask == 0) {
            return;
        }
        if (!attached) {
            park(h);
            return;
        }
        Object previous = access.beginDispatch();
        inHandle = true;
        try {
            core.openIteration();
            h.poll.onReady(mask & (CorePoll.READABLE | CorePoll.WRITABLE), (mask & VertxHandle.ERROR) != 0);
            if (!taskQueued) {
                if (core.needsBatchEnd()) {
                    queueTask();
                } else {
                    core.closeIteration();
                    afterIteration();
                }
            }
        } finally {
            inHandle = false;
            access.endDispatch(previous);
        }
    }

    private void park(VertxHandle h) {
        if (!h.parked) {
            h.parked = true;
            parkedHandles.add(h);
            withdrawInterest(h);
            h.submitted = -1;
        }
    }

    /**
     * Queues an iteration. Asked for inside our own event handling or task (the core wants another iteration after
     * this one: wakeups left over, the low-priority queue, connect errors), the next iteration is opened now (pre)
     * and closed by a task scheduled behind Netty's next I/O poll, so that poll's events belong to it, as in the
     * core's own run() (pre, poll, post): sockets released from the low-priority queue read within the iteration
     * that released them, and no iteration goes by without I/O. Asked for from elsewhere (a timer set from a Vert.x
     * handler), it runs as the next task.
     */
    @Override
    public final void iterationNeeded() {
        if (attached && !closed && Thread.currentThread() == eventLoopThread && !taskQueued) {
            if (inTask || inHandle) {
                if (runDone != null && !core.keepsRunning()) {
                    return; // run() is over: the loop goes back to its owner, with no iteration open
                }
                taskQueued = true;
                core.openIteration();
                eventLoop.schedule(iterationTask, 0, TimeUnit.NANOSECONDS);
            } else {
                queueTask();
            }
        }
    }

    private void queueTask() {
        taskQueued = true;
        eventLoop.execute(iterationTask);
    }

    private void iterationTask() {
        taskQueued = false;
        runIteration();
    }


    private void wakeupTask() {
        wakeupQueued.set(false);
        if (attached && !closed && !taskQueued) {
            openUntilNextPoll();
        }
    }

    private void timerTask() {
        armedTimer = null;
        armedDeadline = Long.MAX_VALUE;
        timerDue();
    }

    /**
     * A timer task of ours ran. Netty runs due scheduled tasks after the tasks its I/O batch queued, so the batch's
     * own iteration may already have fired the due timers: then only the timer is armed again. Otherwise, where
     * iteration boundaries matter (onPre/onPost set, the low-priority budget in use), an iteration is opened now and
     * closed (firing the timers) after Netty's next I/O poll, as the core's run() polls and fires timers in one
     * iteration; elsewhere the timers fire in an iteration of their own at once, which allocates nothing.
     */
    private void timerDue() {
        if (!attached || closed || taskQueued) {
            return;
        }
        if (core.nextTimerDeadline() - nanoTime() > 0) {
            armTimer();
            return;
        }
        if (core.needsBatchEnd()) {
            openUntilNextPoll();
        } else {
            // Iteration boundaries are not observable here (no onPre/onPost, no low-priority budget in use): fire
            // the timers at once, without the scheduled task a spanning iteration costs.
            runIteration();
        }
    }

    /**
     * From a task of ours (a timer, a wakeup): opens an iteration now and schedules its end behind Netty's next I/O
     * poll, so that poll's events belong to it (pre, poll, post, as in the core's run()).
     */
    private void openUntilNextPoll() {
        Object previous = access.beginDispatch();
        inTask = true;
        try {
            taskQueued = true;
            core.openIteration();
            eventLoop.schedule(iterationTask, 0, TimeUnit.NANOSECONDS);
        } finally {
            inTask = false;
            access.endDispatch(previous);
        }
    }

    /**
     * One iteration from a task of ours (no I/O event): wakeups, due timers, post. A wakeup or timer task does
     * nothing while an iteration task is on its way: that one handles wakeups and due timers when it closes.
     */
    private void runIteration() {
        if (!attached || closed || taskQueued) {
            return;
        }
        Object previous = access.beginDispatch();
        inTask = true;
        try {
            core.closeIteration();
            afterIteration();
        } finally {
            inTask = false;
            access.endDispatch(previous);
        }
    }

    /** After every iteration: hand the loop back if run() is over, flush closed listen sockets, re-arm the timer. */
    private void afterIteration() {
        if (closed) {
            return;
        }
        if (runDone != null && !core.keepsRunning()) {
            handBack();
            return;
        }
        if (flushPending) {
            if (inHandle) {
                if (!taskQueued) {
                    queueTask();
                }
            } else {
                flushCancelled();
            }
        }
        armTimer();
    }

    /** Arms a one-shot Netty task for a deadline nearer than the next periodic run (see the class comment). */
    private void armTimer() {
        long deadline = core.nextTimerDeadline();
        if (deadline >= periodicNext - PERIODIC_SLACK_NANOS && periodicNext != Long.MAX_VALUE) {
            return;
        }
        if (deadline < armedDeadline) {
            cancelTimer();
            armedDeadline = deadline;
            long delay = Math.max(0, deadline - nanoTime());
            armedTimer = eventLoop.schedule(timerTask, delay, TimeUnit.NANOSECONDS);
        }
    }

    /** Starts the periodic task at the sweep's next deadline (see the class comment). */
    private void startPeriodic(long sweepDeadline) {
        if (periodic != null || sweepDeadline == Long.MAX_VALUE) {
            return;
        }
        periodicNext = sweepDeadline;
        long delay = Math.max(0, sweepDeadline - nanoTime());
        periodic = eventLoop.scheduleAtFixedRate(periodicTask, delay, tickNanos, TimeUnit.NANOSECONDS);
    }

    private void periodicTask() {
        periodicNext += tickNanos;
        timerDue();
    }

    private void cancelPeriodic() {
        if (periodic != null) {
            periodic.cancel(false);
            periodic = null;
            periodicNext = Long.MAX_VALUE;
        }
    }

    private void cancelTimer() {
        if (armedTimer != null) {
            armedTimer.cancel(false);
            armedTimer = null;
        }
        armedDeadline = Long.MAX_VALUE;
    }

    @Override
    public final void wakeup() {
        if (attached && !closed && wakeupQueued.compareAndSet(false, true)) {
            eventLoop.execute(wakeupTask);
        }
    }

    // ---------------------------------------------------------------- closing

    /** Netty is closing a handle we did not release: its event loop is shutting down under this loop. */
    final void hostClosing() {
        if (!hostClosing && !closed) {
            hostClosing = true;
            LOG.log(System.Logger.Level.DEBUG, "the Vert.x event loop closed under an open usockets loop; freeing it");
            core.hostClosed();
        }
    }

    /** The Vert.x close hook: frees the loop on the event loop with the usual callbacks, then lets Vert.x go on. */
    private void onVertxClose(Completable<Void> completion) {
        synchronized (hostClosePromises) {
            if (!closed) {
                hostClosePromises.add(completion);
                completion = null;
            }
        }
        if (completion != null) {
            completion.succeed();
            return;
        }
        eventLoop.execute(() -> {
            if (closed) {
                completeHostClose();
                return;
            }
            hostClosing = true;
            Object previous = access.beginDispatch();
            inTask = true;
            try {
                core.hostClosed();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "freeing a usockets loop as Vert.x closed failed", e);
                completeHostClose();
            } finally {
                inTask = false;
                access.endDispatch(previous);
            }
        });
    }

    /** Lets every waiting Vert.x close hook go on; returns whether there was one. */
    private boolean completeHostClose() {
        ArrayList<Completable<Void>> waiting;
        synchronized (hostClosePromises) {
            if (hostClosePromises.isEmpty()) {
                return false;
            }
            waiting = new ArrayList<>(hostClosePromises);
            hostClosePromises.clear();
        }
        for (Completable<Void> c : waiting) {
            c.succeed();
        }
        return true;
    }

    @Override
    public final void close() {
        synchronized (hostClosePromises) {
            closed = true;
        }
        Callable<Void> release = () -> {
            cancelTimer();
            cancelPeriodic();
            flushCancelled();
            return null;
        };
        if (onLoopPossible()) {
            onLoop(release);
        }
        if (completeHostClose()) {
            return;
        }
        access.removeCloseHook(closeHook);
        if (owned != null) {
            io.vertx.core.Future<Void> done = owned.close();
            if (Thread.currentThread() != eventLoopThread) {
                try {
                    done.toCompletionStage().toCompletableFuture().get(HANDOVER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.WARNING, "closing the loop's own Vert.x instance failed", e);
                }
            }
        }
    }

    // ---------------------------------------------------------------- registration

    /** Creates the transport's handle for a raw object. */
    abstract VertxHandle newHandle(CorePoll poll, Object raw) throws IOException;

    /** Submits the handle's interest to its registration if the transport value changed. */
    abstract void submit(VertxHandle h);

    /** Submits no interest at all. */
    abstract void withdrawInterest(VertxHandle h);

    @Override
    public final Object raw(CorePoll poll) {
        return ((VertxHandle) poll.io).raw();
    }

    @Override
    public final void register(CorePoll poll, Object raw) throws IOException {
        VertxHandle h = newHandle(poll, raw);
        onLoopIo(() -> {
            Future<IoRegistration> f = eventLoop.register(h);
            if (!f.isDone()) {
                f.awaitUninterruptibly();
            }
            if (!f.isSuccess()) {
                Throwable cause = f.cause();
                throw cause instanceof IOException io ? io : new IOException("registering " + h + " failed", cause);
            }
            h.registration = f.getNow();
            return null;
        });
        poll.io = h;
        registered(h);
    }

    /** A handle was registered (on the loop's thread); transports that track descriptors note it. */
    void registered(VertxHandle h) {
    }

    /** A handle was closed or deregistered by the core (on the loop's thread). */
    void released(VertxHandle h) {
    }

    @Override
    public final void setInterest(CorePoll poll, int events) {
        VertxHandle h = (VertxHandle) poll.io;
        h.interest = events;
        if (h.parked || h.released) {
            return;
        }
        if (Thread.currentThread() == eventLoopThread) {
            submit(h);
        } else {
            onLoop(() -> {
                if (!h.parked && !h.released) {
                    submit(h);
                }
                return null;
            });
        }
    }

    @Override
    public final void close(CorePoll poll) {
        VertxHandle h = (VertxHandle) poll.io;
        if (h == null || h.released) {
            return;
        }
        h.released = true;
        released(h);
        boolean listen = poll.kind == CorePoll.KIND_LISTEN;
        onLoopIfOpen(() -> {
            cancel(h);
            ops().close(h.raw());
            if (listen) {
                requestFlush();
            }
            return null;
        });
    }

    @Override
    public final void deregister(CorePoll poll) {
        VertxHandle h = (VertxHandle) poll.io;
        if (h == null || h.released) {
            return;
        }
        h.released = true;
        released(h);
        onLoopIfOpen(() -> {
            cancel(h);
            requestFlush();
            return null;
        });
    }

    @Override
    public final void transfer(CorePoll from, CorePoll to) {
        VertxHandle h = (VertxHandle) from.io;
        h.poll = to;
        to.io = h;
        from.io = null;
    }

    @Override
    public final io.usockets.Resolver resolver() {
        return access::resolve;
    }

    private void cancel(VertxHandle h) {
        IoRegistration r = h.registration;
        if (r != null) {
            r.cancel();
        }
    }

    // ---------------------------------------------------------------- flushing cancelled registrations

    private boolean flushPending;

    /**
     * Asks that the event loop's selector drop cancelled registrations now (NIO keeps a closed channel's descriptor,
     * and a listen socket's port, until then). Safe at once only inside a task of ours; otherwise (inside Netty's
     * batch of events) it runs in a task after the batch.
     */
    private void requestFlush() {
        if (inTask) {
            flushCancelled();
        } else {
            flushPending = true;
            if (attached && Thread.currentThread() == eventLoopThread && !inHandle && !taskQueued && !closed) {
                queueTask();
            }
        }
    }

    private void flushCancelled() {
        flushPending = false;
        flushCancelledRegistrations();
    }

    /** Makes the transport drop cancelled registrations now, where it needs that; called outside Netty's batch. */
    abstract void flushCancelledRegistrations();

    // ---------------------------------------------------------------- hand-overs

    private boolean onLoopPossible() {
        return Thread.currentThread() == eventLoopThread || !eventLoop.isShuttingDown();
    }

    /** Runs a call that touches the event loop on its thread, waiting for it; IOExceptions pass through. */
    private void onLoopIo(Callable<Void> action) throws IOException {
        try {
            onLoop(action);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Like {@link #onLoop} but does the work here when the event loop is gone (Vert.x closed under us). */
    private void onLoopIfOpen(Callable<Void> action) {
        if (onLoopPossible()) {
            onLoop(action);
        } else {
            try {
                action.call();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "releasing a poll after Vert.x closed failed", e);
            }
        }
    }

    /** Runs {@code action} on the event-loop thread (at once if already there) and returns its result. */
    final <T> T onLoop(Callable<T> action) {
        if (Thread.currentThread() == eventLoopThread) {
            try {
                return action.call();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return call(() -> {
            boolean outer = inTask;
            inTask = true;
            try {
                return action.call();
            } finally {
                inTask = outer;
            }
        });
    }

    private <T> T call(Callable<T> action) {
        Future<T> f = eventLoop.submit(action);
        if (!f.awaitUninterruptibly(HANDOVER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the Vert.x event loop " + eventLoopThread
                    + " did not run a hand-over within " + HANDOVER_TIMEOUT_SECONDS + " s; is it blocked?");
        }
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            if (cause instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
        return f.getNow();
    }
}
