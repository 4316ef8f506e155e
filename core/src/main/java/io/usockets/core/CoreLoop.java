package io.usockets.core;

import io.usockets.CallbackErrorHandler;
import io.usockets.CloseCode;
import io.usockets.Loop;
import io.usockets.LoopCallback;
import io.usockets.LoopOptions;
import io.usockets.Poll;
import io.usockets.Resolver;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.Timer;
import io.usockets.UdpHandler;
import io.usockets.UdpOptions;
import io.usockets.UdpPacketBuffer;
import io.usockets.UdpSocket;
import io.usockets.core.spi.DatagramOps;
import io.usockets.core.spi.Eventing;
import io.usockets.core.spi.LoopCore;
import io.usockets.core.spi.SocketOps;
import io.usockets.core.spi.TlsSupport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The loop: µSockets' loop.c and the loop data of internal.h, written once for every backend.
 *
 * <p>One iteration is: open (iteration number, connect errors, low-priority queue, pre callback), the ready polls
 * dispatched by the eventing, and close (deferred tasks and wakeup callback, due timers, closed sockets released, post
 * callback). Those two steps are written once, in {@link Steps}, and whoever runs the loop calls them: the eventing's
 * own blocking loop ({@link io.usockets.core.spi.BlockingEventing}) or a host event loop (the Vert.x backends), which
 * the core tells when an iteration or a timer needs scheduling ({@link Eventing#iterationNeeded()}). The loop runs
 * while a non-fallthrough poll exists (sockets, listen sockets, non-fallthrough timers and polls count from creation
 * until they are closed and released).
 *
 * <p>Single-threaded, except {@link #wakeup()} and {@link #defer(Runnable)}.
 */
public final class CoreLoop implements Loop {

    private static final System.Logger LOG = System.getLogger("io.usockets");

    private static final VarHandle RUNNING;

    static {
        try {
            RUNNING = MethodHandles.lookup().findVarHandle(CoreLoop.class, "running", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** µSockets' MAX_LOW_PRIO_SOCKETS_PER_LOOP_ITERATION. */
    static final int LOW_PRIORITY_BUDGET = 5;

    /** At most this many deferred tasks run per iteration, so a task that defers itself cannot starve I/O. */
    private static final int DEFER_BATCH = 65536;

    final LoopOptions options;
    final Eventing eventing;
    /** The eventing's socket operations, read on every socket call. */
    final SocketOps ops;
    private final CallbackErrorHandler errorHandler;

    /** Where reads land: one buffer per loop (docs/RULES.md I3). */
    final ByteBuffer receiveBuffer;
    /** The read-only view of {@link #receiveBuffer} handed to onData; its bounds are reset per read. */
    final ByteBuffer receiveView;
    /** Scratch for byte-array writes, so they allocate nothing. */
    final ByteBuffer sendScratch;

    final long tickNanos;
    final int ticksPerLongTick;

    private volatile Thread owner;
    /** Set by run() with a compare-and-set on {@link #RUNNING}, so two threads cannot both start it. */
    private volatile boolean running;
    private boolean freeRequested;
    /**
     * {@link #doFree()} is closing everything: no iteration may open until it is done. Closing a socket or a timer
     * asks the eventing for an iteration, and a host eventing (Vert.x) opens one at once when asked from inside its
     * own task; that would run pre callbacks and release low-priority sockets into contexts already closed.
     */
    private boolean freeing;
    private volatile boolean freed;
    private long iteration;

    /** Non-fallthrough polls alive (µSockets' num_polls). */
    int liveCount;

    /** Head of the loop's contexts (µSockets' head), and the sweep's iterator over them. */
    CoreContext contexts;
    CoreContext contextIterator;

    /** Sockets closed in this iteration, released in post (µSockets' closed_head), linked by next. */
    CoreSocket closedHead;

    /** LIFO of sockets parked by the low-priority hook (µSockets' low_prio_head) and this iteration's budget. */
    CoreSocket lowPriorityHead;
    int lowPriorityBudget;

    /** Set by a short write inside onWritable; µSockets' last_write_failed. */
    boolean lastWriteFailed;

    /** The loop's names: its resolver, with the TTL cache and the sharing of lookups above it. */
    final NameCache names;
    /** The Happy Eyeballs delay before a connect's next attempt, in nanoseconds (0: all at once). */
    final long connectAttemptDelayNanos;
    /** Connects to host names in progress, by socket: their side state lives only this long. */
    private final IdentityHashMap<CoreSocket, PendingConnect> connects = new IdentityHashMap<>();

    /** Connect failures detected synchronously, delivered on the next iteration. */
    private final ArrayDeque<PendingConnectError> pendingConnectErrors = new ArrayDeque<>();

    /** A connect that failed before reaching the backend (say, a name that did not resolve). */
    private record PendingConnectError(CoreSocket socket, CloseCode code, Throwable reason) {
    }

    private CoreTimer[] timers = new CoreTimer[8];
    private int timerCount;
    private boolean timersHaveHoles;
    private CoreTimer<Void> sweepTimer;

    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> deferred = new ConcurrentLinkedQueue<>();

    private Object ext;

    /** An iteration is open (opened, not closed yet). */
    private boolean iterationOpen;
    /** The nearest timer deadline must be computed again. */
    private boolean timersDirty = true;
    private long nearestDeadline = Long.MAX_VALUE;

    CoreLoop(LoopOptions options, Eventing eventing) {
        this.options = options;
        this.eventing = eventing;
        this.ops = eventing.ops();
        this.errorHandler = options.callbackErrorHandler();
        this.owner = Thread.currentThread();
        this.receiveBuffer = ByteBuffer.allocateDirect(options.receiveBufferSize());
        this.receiveView = receiveBuffer.asReadOnlyBuffer();
        this.sendScratch = ByteBuffer.allocateDirect(64 * 1024);
        this.tickNanos = options.timeoutGranularity().toNanos();
        long ticks = options.longTimeoutGranularity().toNanos() / tickNanos;
        this.ticksPerLongTick = (int) Math.max(1, Math.min(ticks, 1 << 20));
        eventing.start(new Steps());
        Resolver resolver = options.resolver() != null ? options.resolver()
                : eventing.resolver() != null ? eventing.resolver() : SystemResolver.shared();
        this.names = new NameCache(this, resolver, options.resolveCacheTtl().toNanos());
        this.connectAttemptDelayNanos = options.connectAttemptDelay().toNanos();
    }

    /** Starts the side state of a connect to a name (or from a source name) for {@code s}. */
    void startConnect(CoreSocket s, PendingConnect pending) {
        connects.put(s, pending);
        pending.start();
    }

    /** Forgets the side state of {@code s}'s connect (it ended). */
    void connectEnded(CoreSocket s) {
        connects.remove(s);
    }

    /** Ends the connect of {@code s} in progress, if any: the socket closed while resolving or connecting. */
    void cancelConnect(CoreSocket s) {
        if (!connects.isEmpty()) {
            PendingConnect pending = connects.remove(s);
            if (pending != null) {
                pending.end();
            }
        }
    }

    /** The loop's clock (the eventing's). */
    long nanoTime() {
        return eventing.nanoTime();
    }

    /**
     * The raw descriptor or channel inside a handle the application gives (adoption, user polls, onPreOpen), refused
     * with IllegalArgumentException when it is registered with this loop already.
     */
    Object rawOf(io.usockets.NativeHandle handle) throws java.io.IOException {
        Object raw = ops.rawOf(handle);
        if (eventing.isRegistered(raw)) {
            throw new IllegalArgumentException(handle + " is already registered with this loop");
        }
        return raw;
    }

    // ---------------------------------------------------------------- threads

    /** Throws IllegalStateException naming both threads unless called on the loop thread (docs/RULES.md I2). */
    public void checkThread() {
        Thread current = Thread.currentThread();
        if (current != owner) {
            throw new IllegalStateException("called from thread '" + current.getName() + "' but the loop runs on '"
                    + owner.getName() + "': only wakeup() and defer() may be called from other threads");
        }
    }

    void checkUsable() {
        checkThread();
        if (freed) {
            throw new IllegalStateException("the loop has been freed");
        }
    }

    @Override
    public boolean inLoopThread() {
        return Thread.currentThread() == owner;
    }

    // ---------------------------------------------------------------- public API

    @Override
    public String backend() {
        return eventing.backendName();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <C, S> SocketContext<C, S> createSocketContext(SocketContextOptions contextOptions) {
        checkUsable();
        if (contextOptions == null) {
            throw new IllegalArgumentException("socket context options are null; use SocketContextOptions.plain()");
        }
        if (contextOptions.tls()) {
            Iterator<TlsSupport> it = ServiceLoader.load(TlsSupport.class, CoreLoop.class.getClassLoader()).iterator();
            if (!it.hasNext()) {
                throw new IllegalStateException(
                        "TLS needs the Maven module io.usockets:usockets-ssl on the class path; it was not found");
            }
            return it.next().createContext(this, contextOptions);
        }
        return new CoreContext<>(this, null);
    }

    @Override
    public <E> Timer<E> createTimer(boolean fallthrough) {
        checkUsable();
        return new CoreTimer<>(this, fallthrough, null);
    }

    @Override
    public <E> Poll<E> createPoll(boolean fallthrough) {
        checkUsable();
        return new CoreUserPoll<>(this, fallthrough);
    }

    @Override
    public <E> UdpSocket<E> createUdpSocket(String host, int port, UdpPacketBuffer buffer, UdpHandler<E> handler, E ext,
            UdpOptions udpOptions) {
        return createUdpSocket(host, port, buffer, handler, ext, udpOptions, null);
    }

    /**
     * Creates a UDP socket whose datagrams go through {@code datagramOps} instead of the loop's own (null: the loop's);
     * tests use it to stand in a kernel answer loopback never gives (a full send buffer).
     */
    <E> UdpSocket<E> createUdpSocket(String host, int port, UdpPacketBuffer buffer, UdpHandler<E> handler, E ext,
            UdpOptions udpOptions, DatagramOps datagramOps) {
        checkUsable();
        return new CoreUdpSocket<>(this, datagramOps != null ? datagramOps : ops.datagramOps(), host, port, buffer,
                handler, ext, udpOptions);
    }

    @Override
    public void run() {
        Thread current = Thread.currentThread();
        // Check and set in one step, so two threads calling run() at once cannot both get through.
        if (!RUNNING.compareAndSet(this, false, true)) {
            throw new IllegalStateException("run() called from thread '" + current.getName()
                    + "' while the loop is already running on '" + owner.getName() + "'");
        }
        try {
            if (freed) {
                throw new IllegalStateException("the loop has been freed");
            }
            // The eventing runs the iterations: a blocking one on this thread, a guest one on its host's thread.
            eventing.run();
        } finally {
            running = false;
        }
        if (freeRequested || freeing) {
            doFree();
        }
    }

    @Override
    public void integrate() {
        checkUsable();
        startSweep();
        eventing.integrated();
    }

    private void startSweep() {
        if (sweepTimer == null) {
            sweepTimer = new CoreTimer<Void>(this, true, null);
            long tickMillis = Math.max(1, tickNanos / 1_000_000);
            sweepTimer.setInternal(t -> sweep(), tickNanos, tickNanos);
            LOG.log(System.Logger.Level.DEBUG, "loop integrated: sweep every {0} ms", tickMillis);
        }
    }

    @Override
    public void free() {
        checkThread();
        if (freed || freeing) {
            return;
        }
        if (running || iterationOpen) {
            freeRequested = true;
            eventing.wakeup();
            return;
        }
        doFree();
    }

    @Override
    public boolean isFreed() {
        return freed;
    }

    @Override
    public void wakeup() {
        // The flag orders the caller's earlier writes before the loop's wakeup handling; the backend coalesces.
        wakeupPending.set(true);
        eventing.wakeup();
    }

    @Override
    public void defer(Runnable task) {
        if (task == null) {
            throw new IllegalArgumentException("deferred task is null");
        }
        if (freed) {
            throw new IllegalStateException("the loop has been freed; the deferred task would never run");
        }
        deferred.add(task);
        wakeupPending.set(true);
        eventing.wakeup();
    }

    @Override
    public long iterationNumber() {
        return iteration;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T ext() {
        return (T) ext;
    }

    @Override
    public void setExt(Object value) {
        checkThread();
        this.ext = value;
    }

    // ---------------------------------------------------------------- iteration parts

    /** Opens an iteration (µSockets' us_internal_loop_pre) unless one is open. */
    private void openIteration() {
        if (iterationOpen || freed || freeing) {
            return;
        }
        iterationOpen = true;
        iteration++;
        deliverConnectErrors();
        handleLowPrioritySockets();
        LoopCallback pre = options.onPre();
        if (pre != null) {
            try {
                pre.call(this);
            } catch (Throwable t) {
                callbackFailed(this, t);
            }
        }
    }

    /**
     * Closes the open iteration, opening one first if none is: wakeup handling, due timers, then µSockets'
     * us_internal_loop_post (closed sockets released, post callback). A free asked for inside the iteration takes
     * effect here: everything is closed now, on the loop thread; while run() is on the stack it releases the
     * backend as it returns (on run()'s caller, which for a standalone Vert.x loop is not the thread of the
     * callbacks, so the closing cannot wait for it).
     */
    private void closeIteration() {
        if (freed || freeing) {
            return;
        }
        openIteration();
        if (wakeupPending.get()) {
            handleWakeup();
        }
        fireTimers();
        releaseClosedSockets();
        LoopCallback post = options.onPost();
        if (post != null) {
            try {
                post.call(this);
            } catch (Throwable t) {
                callbackFailed(this, t);
            }
        }
        iterationOpen = false;
        if (freeRequested) {
            if (running) {
                closeEverything();
            } else {
                doFree();
            }
            return;
        }
        if (wakeupPending.get() || !pendingConnectErrors.isEmpty() || lowPriorityHead != null) {
            eventing.iterationNeeded();
        }
    }

    private void handleWakeup() {
        wakeupPending.set(false);
        Runnable task;
        int ran = 0;
        while (ran < DEFER_BATCH && (task = deferred.poll()) != null) {
            ran++;
            try {
                task.run();
            } catch (Throwable t) {
                callbackFailed(this, t);
            }
        }
        if (!deferred.isEmpty()) {
            wakeupPending.set(true);
        }
        LoopCallback onWakeup = options.onWakeup();
        if (onWakeup != null) {
            try {
                onWakeup.call(this);
            } catch (Throwable t) {
                callbackFailed(this, t);
            }
        }
    }

    /** Parks or releases sockets of the low-priority queue (µSockets' us_internal_handle_low_priority_sockets). */
    private void handleLowPrioritySockets() {
        lowPriorityBudget = LOW_PRIORITY_BUDGET;
        CoreSocket s;
        while ((s = lowPriorityHead) != null && lowPriorityBudget > 0) {
            lowPriorityBudget--;
            lowPriorityHead = s.next;
            if (s.next != null) {
                s.next.prev = null;
            }
            s.next = null;
            s.context.linkSocket(s);
            s.lowPriorityState = CoreSocket.LOW_PRIORITY_RELEASED;
            s.addInterest(CoreSocket.READABLE);
        }
    }

    /** Parks {@code s} (already unlinked from its context) at the head of the low-priority LIFO. */
    void pushLowPriority(CoreSocket s) {
        s.prev = null;
        s.next = lowPriorityHead;
        if (lowPriorityHead != null) {
            lowPriorityHead.prev = s;
        }
        lowPriorityHead = s;
        s.lowPriorityState = CoreSocket.LOW_PRIORITY_QUEUED;
    }

    /** Removes {@code s} from the low-priority LIFO. */
    void unlinkLowPriority(CoreSocket s) {
        if (s.prev != null) {
            s.prev.next = s.next;
        } else {
            lowPriorityHead = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        }
        s.prev = null;
        s.next = null;
        s.lowPriorityState = CoreSocket.LOW_PRIORITY_NONE;
    }

    /** Links a closed socket into the closed list; it is released after this iteration (docs/RULES.md I5). */
    void linkClosed(CoreSocket s) {
        s.next = closedHead;
        closedHead = s;
        if (!iterationOpen && !freed && !freeing) {
            eventing.iterationNeeded();
        }
    }

    private void releaseClosedSockets() {
        CoreSocket s = closedHead;
        if (s == null) {
            return;
        }
        closedHead = null;
        while (s != null) {
            CoreSocket next = s.next;
            s.next = null;
            s.prev = null;
            s.release();
            s = next;
        }
    }

    void scheduleConnectError(CoreSocket s, CloseCode code, Throwable reason) {
        pendingConnectErrors.add(new PendingConnectError(s, code, reason));
        if (!iterationOpen && !freeing) {
            eventing.iterationNeeded();
        }
    }

    private void deliverConnectErrors() {
        PendingConnectError p;
        int n = pendingConnectErrors.size();
        while (n-- > 0 && (p = pendingConnectErrors.poll()) != null) {
            p.socket.connectFailed(p.code, p.reason);
        }
    }

    // ---------------------------------------------------------------- timers

    void addTimer(CoreTimer<?> t) {
        if (timerCount == timers.length) {
            compactTimers();
            if (timerCount == timers.length) {
                timers = java.util.Arrays.copyOf(timers, timers.length * 2);
            }
        }
        t.index = timerCount;
        timers[timerCount++] = t;
        timersChanged();
    }

    void removeTimer(CoreTimer<?> t) {
        if (t.index >= 0) {
            timers[t.index] = null;
            t.index = -1;
            timersHaveHoles = true;
        }
        timersChanged();
    }

    /** A timer was armed, disarmed, fired or closed: a guest eventing re-arms its host timer. */
    void timersChanged() {
        timersDirty = true;
        if (!iterationOpen && !freed && !freeing) {
            eventing.iterationNeeded();
        }
    }

    private void compactTimers() {
        if (!timersHaveHoles) {
            return;
        }
        int j = 0;
        for (int i = 0; i < timerCount; i++) {
            CoreTimer<?> t = timers[i];
            if (t != null) {
                t.index = j;
                timers[j++] = t;
            }
        }
        for (int i = j; i < timerCount; i++) {
            timers[i] = null;
        }
        timerCount = j;
        timersHaveHoles = false;
    }

    /** The deadline of the nearest armed timer, or {@link Long#MAX_VALUE}; computed again only after a change. */
    private long nextTimerDeadline() {
        if (timersDirty) {
            timersDirty = false;
            long nearest = Long.MAX_VALUE;
            for (int i = 0; i < timerCount; i++) {
                CoreTimer<?> t = timers[i];
                if (t != null && t.armed && t.deadline < nearest) {
                    nearest = t.deadline;
                }
            }
            nearestDeadline = nearest;
        }
        return nearestDeadline;
    }

    private void fireTimers() {
        int n = timerCount;
        if (n == 0) {
            return;
        }
        long now = nanoTime();
        for (int i = 0; i < n; i++) {
            CoreTimer<?> t = timers[i];
            if (t != null && t.armed && t.deadline - now <= 0) {
                t.fire(now);
            }
        }
        compactTimers();
    }

    // ---------------------------------------------------------------- sweep

    /** µSockets' us_internal_timer_sweep: one tick for every context, comparing one byte per socket. */
    private void sweep() {
        for (contextIterator = contexts; contextIterator != null; ) {
            CoreContext<?, ?> context = contextIterator;
            context.sweep();
            if (context == contextIterator) {
                contextIterator = context.next;
            }
        }
    }

    void linkContext(CoreContext<?, ?> context) {
        context.next = contexts;
        context.prev = null;
        if (contexts != null) {
            contexts.prev = context;
        }
        contexts = context;
    }

    void unlinkContext(CoreContext<?, ?> context) {
        if (context == contextIterator) {
            contextIterator = context.next;
        }
        if (context.prev != null) {
            context.prev.next = context.next;
        } else if (contexts == context) {
            contexts = context.next;
        }
        if (context.next != null) {
            context.next.prev = context.prev;
        }
        context.prev = null;
        context.next = null;
    }

    // ---------------------------------------------------------------- failures

    /** Reports an exception thrown by a user callback: the loop always goes on. */
    void callbackFailed(Object source, Throwable error) {
        if (error instanceof VirtualMachineError vme) {
            throw vme;
        }
        try {
            if (errorHandler != null) {
                errorHandler.onCallbackError(this, source, error);
            } else {
                defaultCallbackFailed(source, error);
            }
        } catch (Throwable again) {
            if (again instanceof VirtualMachineError vme) {
                throw vme;
            }
            LOG.log(System.Logger.Level.ERROR, "the callback error handler threw", again);
        }
    }

    private void defaultCallbackFailed(Object source, Throwable error) {
        LOG.log(System.Logger.Level.WARNING, "a callback on " + source + " threw; closing it", error);
        if (source instanceof Socket<?> s && !s.isClosed()) {
            s.close(CloseCode.CALLBACK_FAILED, error);
        } else if (source instanceof UdpSocket<?> u) {
            u.close();
        }
    }

    static System.Logger log() {
        return LOG;
    }

    // ---------------------------------------------------------------- free

    private void doFree() {
        closeEverything();
        eventing.close();
        freed = true;
    }

    /**
     * The part of free() that calls back (onClose, onConnectError, timers): on the loop thread, once; the backend is
     * released after it by {@link #doFree()}.
     */
    private void closeEverything() {
        if (freeing) {
            return;
        }
        freeRequested = false;
        freeing = true;
        while (contexts != null) {
            CoreContext<?, ?> c = contexts;
            c.closeAll(CloseCode.LOOP_FREED);
            unlinkContext(c);
            c.freed = true;
            c.releaseResources();
        }
        while (lowPriorityHead != null) {
            lowPriorityHead.close(CloseCode.LOOP_FREED, null);
        }
        PendingConnectError pending;
        while ((pending = pendingConnectErrors.poll()) != null) {
            pending.socket.connectFailed(CloseCode.LOOP_FREED, null);
        }
        releaseClosedSockets();
        for (int i = 0; i < timerCount; i++) {
            CoreTimer<?> t = timers[i];
            if (t != null) {
                t.close();
            }
        }
        compactTimers();
        CoreUserPoll.freeAll(this);
        while (udpSockets != null) {
            udpSockets.close();
        }
        deferred.clear();
    }

    // ---------------------------------------------------------------- user polls

    /** User polls alive, so free() can release them; a small intrusive list. */
    CoreUserPoll<?> userPolls;

    /** UDP sockets open, so free() can close them; a small intrusive list. */
    private CoreUdpSocket<?> udpSockets;

    void linkUdp(CoreUdpSocket<?> s) {
        s.next = udpSockets;
        if (udpSockets != null) {
            udpSockets.prev = s;
        }
        udpSockets = s;
    }

    void unlinkUdp(CoreUdpSocket<?> s) {
        if (s.prev != null) {
            s.prev.next = s.next;
        } else if (udpSockets == s) {
            udpSockets = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        }
        s.prev = null;
        s.next = null;
    }

    // ---------------------------------------------------------------- the steps an eventing calls

    /** The iteration steps handed to the eventing (see {@link LoopCore}); one per loop. */
    private final class Steps implements LoopCore {

        @Override
        public void openIteration() {
            CoreLoop.this.openIteration();
        }

        @Override
        public void closeIteration() {
            CoreLoop.this.closeIteration();
        }

        @Override
        public boolean needsBatchEnd() {
            return closedHead != null || lowPriorityHead != null || lowPriorityBudget < LOW_PRIORITY_BUDGET
                    || freeRequested || !pendingConnectErrors.isEmpty() || options.onPre() != null
                    || options.onPost() != null || wakeupPending.get();
        }

        @Override
        public long waitNanos() {
            if (wakeupPending.get() || !pendingConnectErrors.isEmpty() || !deferred.isEmpty()) {
                // An eventing may have consumed the wakeup signal itself (NIO's selectNow does): the flag decides.
                return 0;
            }
            long deadline = CoreLoop.this.nextTimerDeadline();
            if (deadline == Long.MAX_VALUE) {
                return -1;
            }
            long wait = deadline - nanoTime();
            return wait <= 0 ? 0 : wait;
        }

        @Override
        public long nextTimerDeadline() {
            return CoreLoop.this.nextTimerDeadline();
        }

        @Override
        public boolean keepsRunning() {
            return liveCount > 0 && !freeRequested && !freeing && !freed;
        }

        @Override
        public long integrate() {
            if (freed) {
                return Long.MAX_VALUE;
            }
            startSweep();
            return sweepTimer.deadline;
        }

        @Override
        public void checkThread() {
            CoreLoop.this.checkThread();
        }

        @Override
        public void setOwner(Thread thread) {
            owner = thread;
        }

        @Override
        public void hostClosed() {
            if (freed || freeing) {
                return;
            }
            if (iterationOpen || running) {
                freeRequested = true;
                eventing.iterationNeeded();
                return;
            }
            owner = Thread.currentThread();
            doFree();
        }
    }

    @Override
    public String toString() {
        return "Loop[" + backend() + ", iteration " + iteration + "]";
    }
}
