package io.usockets.backend.natives;

import io.netty.channel.IoEvent;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.ThreadAwareExecutor;
import io.usockets.core.spi.BlockingEventing;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * One loop's io_uring eventing: Netty's public {@link IoUringIoHandler}, driven by the loop's own thread through
 * {@code IoHandler.run}, on a single-issuer ring with {@code DEFER_TASKRUN} (the kernel's task work runs when the loop
 * waits, not as interruptions of the loop thread), enabled by the first wait so that the thread running the loop is
 * its issuer (see {@link #enable()}). The socket operations are the native backend's {@link DescriptorSocketOps}.
 *
 * <p><b>Reads by completion.</b> A connected stream socket that wants READABLE keeps one multishot RECV request that
 * receives into the loop's {@link UringReceiveRing}; a completion queues its buffer there and schedules a read, and the
 * core's READABLE read gets the queued bytes through {@link DescriptorSocketOps#read} (so pausing, the low-priority
 * queue and TLS are the core's usual path). Dropping READABLE cancels the RECV; bringing it back arms a new one and
 * reads the queue. A RECV that finds no buffer left ({@code ENOBUFS}) turns that socket to readiness ({@link #POLLED})
 * for good, after its queue.
 *
 * <p><b>Readiness.</b> Listen sockets, datagram sockets and sockets that read by readiness keep one multishot poll for
 * POLLIN, armed once: dropping READABLE only filters its completions, and restoring it schedules one read of its own,
 * since an arrival may have been filtered meanwhile. A multishot poll reports arrivals, not what is left, so a read
 * that filled the receive buffer or took bytes from the queue ({@link DescriptorSocketOps#takeLastReadFilled()}), a
 * datagram receive that filled the packet buffer ({@link DescriptorDatagramOps#takeLastReceiveFilled()}), and a
 * report of the peer's FIN (POLLRDHUP) or an error schedule another read; once the FIN was reported, a scheduled read
 * that found bytes schedules the next, until one finds none. WRITABLE (a short write, a connect in progress) and user
 * polls are one-shot polls, armed again after each completion while the interest lasts: the kernel checks readiness
 * when a poll is armed, so they are level-triggered like epoll's. Scheduled reads run after each wait, before its
 * poll completions are dispatched, and make the next wait non-blocking while any is left.
 *
 * <p><b>Writes by SEND requests.</b> A small write is copied into the loop's {@link UringSendArea} by the socket
 * operations; before each wait every chunk opened since the last one is submitted as one SEND ({@code MSG_WAITALL}),
 * queued through {@link UringAccess.Enqueuer} (no ops object). Its completion sends the rest of a short send again,
 * or frees the chunk and then sends the FIN a shutdown left behind it and reports WRITABLE (while a socket's chunk is
 * pending its WRITABLE is not a POLLOUT request), or, on failure, reports an error that closes the socket with RESET.
 * Closing a socket submits its open chunk with the cancellations (so it reaches the kernel before the descriptor
 * closes) and leaves a sent one to its request, which holds the file.
 *
 * <p><b>Slots.</b> Each armed request has a slot number; the slot names the poll and the descriptor, so a completion
 * that arrives after its poll closed (and its number went to a new descriptor) is recognised and dropped (a RECV
 * completion's buffer goes back to the ring). Slots are freed when their last completion arrives. The request's user
 * data is the slot's low 16 bits, which keeps Netty on its fast path (no map entry per request); every 65 536 slots
 * share one Netty registration. Closing a poll cancels its requests ({@code IORING_OP_ASYNC_CANCEL}) and, through
 * {@link UringAccess}, submits the cancellation at once: a request holds its file, and the connection (or a listen
 * socket's port) would otherwise live until the next wait.
 *
 * <p><b>Dispatch.</b> Poll completions are collected while {@code IoHandler.run} processes the ring and dispatched
 * after it returns (see {@link #dispatchCompleted()}); RECV completions only queue bytes then. So bytes written in one
 * iteration are read in the next.
 *
 * <p>Per descriptor: the poll, a state byte and two slot numbers (13 bytes), the receive ring's queue (6) and the
 * send area's chunk number (2); per slot: the poll and descriptor (8 bytes). Nothing is allocated per completion or
 * per send; arming a poll or RECV request allocates Netty's small ops object, which the steady state never does (a
 * socket's RECV or multishot poll is armed once).
 *
 * <p>Single-threaded except {@link #wakeup()}.
 */
final class UringPoller extends BlockingEventing implements ThreadAwareExecutor, IoHandlerContext {

    /** io_uring opcodes and flags (Linux ABI). */
    private static final byte IORING_OP_POLL_ADD = 6;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;
    private static final byte IORING_OP_SEND = 26;
    private static final byte IORING_OP_RECV = 27;
    private static final int MSG_WAITALL = 0x100;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int IORING_POLL_ADD_MULTI = 1;
    private static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    private static final short IORING_RECV_MULTISHOT = 1 << 1;
    private static final int IORING_CQE_F_BUFFER = 1;
    private static final int IORING_CQE_F_MORE = 1 << 1;
    private static final int IORING_CQE_BUFFER_SHIFT = 16;
    private static final int ENOBUFS = 105;
    private static final int ECANCELED = 125;
    /** poll(2) bits; POLLERR and POLLHUP are always reported. Same values as epoll's, so {@link EpollEvents} maps. */
    private static final int POLLIN = 0x001;
    private static final int POLLOUT = 0x004;
    private static final int POLLERR = 0x008;
    private static final int POLLHUP = 0x010;
    private static final int POLLRDHUP = 0x2000;

    /** Entries of the submission ring (the completion ring has twice as many). */
    static final int RING_SIZE = 1024;
    private static final int SLOTS_PER_HANDLE = 1 << 16;

    /** {@link #state} bits: the interest wanted (CorePoll READABLE/WRITABLE), a read scheduled. */
    private static final int INTEREST = EpollEvents.INTEREST;
    private static final int RECHECK = 8;
    /**
     * The stream's POLLIN request reported the peer's FIN (or an error), maybe while READABLE was off; or its RECV
     * request met the end of the stream or a failure (nothing more to receive).
     */
    private static final int ENDED = 16;
    /**
     * The stream's RECV request ended for want of a buffer (the ring's buffers are all queued for sockets that have
     * not read them, paused ones maybe): the socket reads by readiness from then on, as on the readiness route, after
     * what its queue holds. So a ring that ran dry never leaves a socket waiting for buffers to come back.
     */
    private static final int POLLED = 32;

    /**
     * {@link #slotInfo} bits above the descriptor: a POLLOUT request, a RECV request, a SEND request (whose slot names
     * its chunk of the send area, not the descriptor).
     */
    private static final int SLOT_OUT = Integer.MIN_VALUE;
    private static final int SLOT_RECV = 1 << 30;
    private static final int SLOT_SEND = 1 << 29;
    private static final int SLOT_FD = SLOT_SEND - 1;

    /** {@code -Dusockets.uring.reads=poll}: stream sockets read by readiness (multishot poll + recv) as before. */
    static final String READS_PROPERTY = "usockets.uring.reads";

    private static final System.Logger LOG = System.getLogger("io.usockets");
    private static volatile boolean submitFallbackLogged;
    private static volatile boolean receiveFallbackLogged;
    private static volatile boolean sendFallbackLogged;

    private final IoUringIoHandler handler;
    private final MethodHandle submitNow;
    private final DescriptorSocketOps ops = new DescriptorSocketOps("io_uring");
    /** Where stream sockets' RECV requests put their bytes; null when they read by readiness. */
    private final UringReceiveRing receiveRing;
    /** Where small writes wait for the next wait's SEND requests; null when every write is a system call. */
    private final UringSendArea sendArea;
    private final UringAccess.Enqueuer enqueuer;
    /** SEND requests submitted (for the tests). */
    private long sends;

    /** Descriptor → poll, state bits, slot of its POLLIN request and of its POLLOUT request (-1: none). */
    private CorePoll[] polls = new CorePoll[1024];
    private byte[] state = new byte[1024];
    private int[] inSlot = filled(1024);
    private int[] outSlot = filled(1024);

    /** Slot → poll and descriptor (the sign bit marks a POLLOUT request); a free slot links to the next free one. */
    private CorePoll[] slotPoll = new CorePoll[1024];
    private int[] slotInfo = new int[1024];
    private int[] slotNextFree = new int[1024];
    private int freeSlot = -1;
    private int slotCount;
    /** One Netty registration per 65 536 slots. */
    private Handle[] handles = new Handle[1];

    /** Completions collected during {@code run}: slot, result, flags. */
    private int[] completedSlot = new int[256];
    private int[] completedRes = new int[256];
    private int[] completedFlags = new int[256];
    private int completedCount;

    /**
     * What the send completions of this wait found, reported after it: a socket whose bytes in the send area were all
     * sent (WRITABLE, if it wants that) or whose send failed (closed with RESET); with the poll it was for.
     */
    private int[] sendEventFd = new int[16];
    private CorePoll[] sendEventPoll = new CorePoll[16];
    private boolean[] sendEventFailed = new boolean[16];
    private int sendEventCount;

    /** Descriptors whose poll gets a scheduled read (see the class comment); swapped with the spare while served. */
    private int[] recheck = new int[64];
    private int[] recheckSpare = new int[64];
    private int recheckCount;

    private final Object wakeLock = new Object();
    /** Guarded by {@link #wakeLock}: no eventfd write after close, when the number may belong to someone else. */
    private boolean closed;
    private volatile Thread loopThread;
    /** The thread that enabled the ring, its only issuer; null until the first wait (see {@link #enable()}). */
    private Thread issuer;
    /** The current wait: blocking or not, and its deadline on the System.nanoTime clock (-1: none). */
    private boolean canBlock;
    private long deadlineNanos;

    UringPoller() throws IOException {
        // Checked before the ring exists, so a bad value fails the loop's creation with nothing to release.
        int ringBuffers = "poll".equals(System.getProperty(READS_PROPERTY)) ? 0 : UringReceiveRing.configuredBuffers();
        int sendChunks = UringSendArea.configuredChunks();
        try {
            // Single issuer with DEFER_TASKRUN: the kernel runs the ring's task work (a poll's wake-up, a
            // cancellation) only when the loop enters the ring to wait, instead of interrupting the loop thread for
            // each one. Netty creates the ring disabled; the thread that enables it becomes its only issuer, so it is
            // enabled by the first wait (or by close, for a loop that never ran): see enable().
            handler = (IoUringIoHandler) IoUringIoHandler.newFactory(new IoUringIoHandlerConfig()
                    .setRingSize(RING_SIZE).setSingleIssuer(true)).newHandler(this);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            throw new IOException("io_uring refused to set up a ring: " + e.getMessage(), e);
        }
        submitNow = UringAccess.submitter(handler);
        receiveRing = openReceiveRing(handler, ringBuffers);
        ops.readFrom(receiveRing);
        enqueuer = sendChunks == 0 ? null : UringAccess.enqueuer(handler);
        sendArea = enqueuer == null ? null : new UringSendArea(sendChunks);
        ops.sendThrough(sendArea);
        if (sendChunks > 0 && enqueuer == null && !sendFallbackLogged) {
            sendFallbackLogged = true;
            LOG.log(System.Logger.Level.WARNING, "io_uring backend: every write is a send system call, not a SEND "
                    + "request: " + UringAccess.enqueueUnavailableReason());
        }
        if (submitNow == null && !submitFallbackLogged) {
            submitFallbackLogged = true;
            LOG.log(System.Logger.Level.WARNING, "io_uring backend: cannot submit cancellations at once ("
                    + UringAccess.unavailableReason() + "); a closed listen socket is shut down at once and a closed "
                    + "connection's requests end with the loop's next wait");
        }
    }

    /** The loop's provided-buffer ring, unless reads by readiness were asked for or the kernel refuses (logged). */
    private static UringReceiveRing openReceiveRing(IoUringIoHandler handler, int buffers) {
        if (buffers == 0) {
            return null;
        }
        String reason;
        try {
            int ringFd = UringAccess.ringFd(handler);
            if (ringFd >= 0) {
                return UringReceiveRing.open(ringFd, buffers);
            }
            reason = UringAccess.unavailableReason();
        } catch (IOException | RuntimeException e) {
            reason = e.getMessage();
        }
        if (!receiveFallbackLogged) {
            receiveFallbackLogged = true;
            LOG.log(System.Logger.Level.WARNING, "io_uring backend: stream sockets read by readiness (a poll request "
                    + "and a recv call per arrival), not by RECV requests: " + reason);
        }
        return null;
    }

    private static int[] filled(int length) {
        int[] array = new int[length];
        Arrays.fill(array, -1);
        return array;
    }

    @Override
    public String backendName() {
        return "io_uring";
    }

    @Override
    public DescriptorSocketOps ops() {
        return ops;
    }

    // ---------------------------------------------------------------- waiting and dispatching

    @Override
    protected void waitAndDispatch(long timeoutNanos) {
        enable();
        loopThread = Thread.currentThread();
        submitSends();
        long wait = recheckCount > 0 ? 0 : timeoutNanos;
        canBlock = wait != 0;
        deadlineNanos = wait < 0 ? -1 : System.nanoTime() + wait;
        handler.run(this);
        // Scheduled reads first: they find what arrived before this wait; bytes written by this iteration's
        // callbacks are then read in the next iteration, as on epoll.
        serveRechecks();
        dispatchCompleted();
        dispatchSendEvents();
    }

    /**
     * Enables the ring on the calling thread, which becomes its only issuer (every {@code io_uring_enter} must come
     * from it), the first time; {@link #acceptRunner} keeps every later run on that thread. Requests queued before (by
     * set-up calls on the creating thread) reach the kernel with the first wait.
     */
    private void enable() {
        if (issuer == null) {
            handler.initialize();
            issuer = Thread.currentThread();
        }
    }

    /** A loop whose ring is enabled runs only on the thread that enabled it (see {@link #enable()}). */
    @Override
    protected void acceptRunner(Thread thread) {
        if (issuer != null && issuer != thread) {
            throw new IllegalStateException("this io_uring loop ran on thread '" + issuer.getName() + "' and cannot "
                    + "run on '" + thread.getName() + "': the kernel takes a ring's submissions from one thread only "
                    + "(IORING_SETUP_SINGLE_ISSUER), the first that waited on it");
        }
    }

    /**
     * Dispatches the completions {@code run} collected. They are collected first and dispatched only after it returns:
     * a write to a socket of the same loop posts the peer's completion at once (as the send call returns), and Netty
     * keeps processing what arrives, so dispatching inside {@code run} would let two sockets of one loop answer each
     * other without end in one iteration. This way bytes written in one iteration are read in the next, as on epoll.
     */
    private void dispatchCompleted() {
        int count = completedCount;
        for (int i = 0; i < count; i++) {
            completed(completedSlot[i], completedRes[i], completedFlags[i]);
        }
        completedCount = 0;
    }

    /** One Netty registration: completions of 65 536 slots, from {@code base}. */
    private final class Handle implements IoUringIoHandle {
        final int base;
        IoRegistration registration;
        /** Netty's registration id, the high half of each request's user data in the ring (known after a submit). */
        long idBits = -1;

        Handle(int base) {
            this.base = base;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            IoUringIoEvent e = (IoUringIoEvent) event;
            if (e.opcode() == IORING_OP_POLL_ADD) {
                collect(base + (int) (e.userData() & 0xFFFF), e.res(), e.flags());
            } else if (e.opcode() == IORING_OP_RECV) {
                received(base + (int) (e.userData() & 0xFFFF), e.res(), e.flags());
            } else if (e.opcode() == IORING_OP_SEND) {
                sent(base + (int) (e.userData() & 0xFFFF), e.res());
            }
        }

        @Override
        public void close() {
            registration.cancel();
        }
    }

    /** Keeps a completion for {@link #dispatchCompleted()}. */
    private void collect(int slot, int res, int flags) {
        int i = completedCount;
        if (i == completedSlot.length) {
            completedSlot = Arrays.copyOf(completedSlot, i * 2);
            completedRes = Arrays.copyOf(completedRes, i * 2);
            completedFlags = Arrays.copyOf(completedFlags, i * 2);
        }
        completedSlot[i] = slot;
        completedRes[i] = res;
        completedFlags[i] = flags;
        completedCount = i + 1;
    }

    /** A poll request of {@code slot} completed with {@code res} (the ready mask, or a negative errno). */
    private void completed(int slot, int res, int flags) {
        CorePoll poll = slotPoll[slot];
        int info = slotInfo[slot];
        int fd = info & SLOT_FD;
        boolean out = info < 0;
        boolean current = poll != null && fd < polls.length && polls[fd] == poll
                && (out ? outSlot[fd] : inSlot[fd]) == slot;
        if ((flags & IORING_CQE_F_MORE) == 0) {
            releaseSlot(slot);
            if (current) {
                if (out) {
                    outSlot[fd] = -1;
                } else {
                    inSlot[fd] = -1;
                }
            }
        }
        if (!current || res == -ECANCELED) {
            return;
        }
        int mask = res < 0 ? POLLERR : res;
        if (!out && (mask & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
            state[fd] |= ENDED;
        }
        int ready = EpollEvents.readyEvents(mask, state[fd] & INTEREST);
        if (ready != 0) {
            dispatch(poll, fd, ready & INTEREST, (ready & EpollEvents.ERROR) != 0, false);
            if (!out && (mask & (POLLRDHUP | POLLHUP | POLLERR)) != 0 && polls[fd] == poll) {
                // The end of the stream came with (or after) the bytes just read, and no new arrival will report it.
                scheduleRead(fd);
            }
        } else if (!out && multishotIn(poll)) {
            // Filtered while READABLE is off: restoring it reads once (see setInterest).
            return;
        }
        if (polls[fd] == poll) {
            arm(fd, poll);
        }
    }

    /**
     * A RECV request of {@code slot} completed: {@code res} bytes in the buffer its flags name, the end of the stream
     * (0) or a negative errno. The bytes are queued for the socket's next read at once (no callback runs here) and a
     * read is scheduled; a completion for a socket that closed meanwhile only gives its buffer back. A request that
     * ended for want of a buffer turns the socket to readiness ({@link #POLLED}); one that met the end or a failure is
     * not armed again; one that ended otherwise is armed again after the scheduled read.
     */
    private void received(int slot, int res, int flags) {
        CorePoll poll = slotPoll[slot];
        int fd = slotInfo[slot] & SLOT_FD;
        boolean live = poll != null && fd < polls.length && polls[fd] == poll;
        if ((flags & IORING_CQE_F_MORE) == 0) {
            releaseSlot(slot);
            if (live && inSlot[fd] == slot) {
                inSlot[fd] = -1;
            }
        }
        if ((flags & IORING_CQE_F_BUFFER) != 0) {
            int bid = flags >>> IORING_CQE_BUFFER_SHIFT;
            if (live && res > 0) {
                receiveRing.received(fd, bid, res);
            } else {
                receiveRing.recycle(bid);
            }
        }
        if (!live || res == -ECANCELED) {
            return;
        }
        if (res == -ENOBUFS) {
            state[fd] |= POLLED;
            receiveRing.detach(fd);
            if ((state[fd] & CorePoll.READABLE) != 0) {
                arm(fd, poll);
                scheduleRead(fd);
            }
            return;
        }
        if (res <= 0) {
            state[fd] |= ENDED;
            receiveRing.ended(fd, -res);
        }
        scheduleRead(fd);
    }

    /**
     * Calls the poll and schedules another read when its read filled the buffer, or, for a read of our own
     * ({@code scheduled}) on a stream whose FIN was reported, when it found bytes: the FIN waits behind them with no
     * new arrival to report it, so those scheduled reads go on until one finds nothing or the end.
     */
    private void dispatch(CorePoll poll, int fd, int ready, boolean error, boolean scheduled) {
        ops.takeLastReadFilled();
        ops.takeLastReadGotBytes();
        if (poll.kind == CorePoll.KIND_DATAGRAM) {
            ops.datagramOps().takeLastReceiveFilled();
        }
        poll.onReady(ready, error);
        boolean filled = ops.takeLastReadFilled();
        boolean gotBytes = ops.takeLastReadGotBytes();
        if (polls[fd] != poll) {
            return;
        }
        if (poll.kind == CorePoll.KIND_DATAGRAM) {
            // A receive that filled the packet buffer (or met an error) may have left datagrams behind.
            if (ops.datagramOps().takeLastReceiveFilled()) {
                scheduleRead(fd);
            }
        } else if (receiveRing != null && (ready & CorePoll.READABLE) != 0 && receiveRing.hasPending(fd)) {
            // What the read left of the queue (more than the receive buffer held, or the end behind the bytes).
            scheduleRead(fd);
        } else if (!readsByCompletion(fd, poll) && (filled || (scheduled && gotBytes && (state[fd] & ENDED) != 0))) {
            scheduleRead(fd);
        }
    }

    /** Serves the reads scheduled before this point; reads scheduled meanwhile wait for the next (non-blocking) wait. */
    private void serveRechecks() {
        int count = recheckCount;
        if (count == 0) {
            return;
        }
        int[] serving = recheck;
        recheck = recheckSpare;
        recheckSpare = serving;
        recheckCount = 0;
        for (int i = 0; i < count; i++) {
            int fd = serving[i];
            state[fd] &= ~RECHECK;
            CorePoll poll = polls[fd];
            if (poll != null && (state[fd] & CorePoll.READABLE) != 0) {
                dispatch(poll, fd, CorePoll.READABLE, false, true);
                if (polls[fd] == poll) {
                    arm(fd, poll);
                }
            }
        }
    }

    private void scheduleRead(int fd) {
        if ((state[fd] & RECHECK) != 0) {
            return;
        }
        state[fd] |= RECHECK;
        if (recheckCount == recheck.length) {
            recheck = Arrays.copyOf(recheck, recheckCount * 2);
            recheckSpare = new int[recheck.length];
        }
        recheck[recheckCount++] = fd;
    }

    /** A connected stream socket reads by RECV requests into the receive ring, when the loop has one. */
    private boolean readsByCompletion(int fd, CorePoll poll) {
        return receiveRing != null && poll.kind == CorePoll.KIND_SOCKET && (state[fd] & POLLED) == 0;
    }

    /**
     * Stream, listen and datagram sockets keep one multishot POLLIN (a stream socket only while it reads by readiness);
     * WRITABLE and user polls get one-shot requests.
     */
    private static boolean multishotIn(CorePoll poll) {
        return poll.kind == CorePoll.KIND_SOCKET || poll.kind == CorePoll.KIND_LISTEN
                || poll.kind == CorePoll.KIND_CONNECTING || poll.kind == CorePoll.KIND_DATAGRAM;
    }

    // ---------------------------------------------------------------- requests

    /** Arms the requests the wanted interest lacks. */
    private void arm(int fd, CorePoll poll) {
        int wanted = state[fd] & INTEREST;
        if ((wanted & CorePoll.READABLE) != 0 && inSlot[fd] < 0) {
            if (!readsByCompletion(fd, poll)) {
                inSlot[fd] = submitPoll(fd, poll, false);
            } else if ((state[fd] & ENDED) == 0) {
                inSlot[fd] = submitRecv(fd, poll);
            }
        }
        if ((wanted & CorePoll.WRITABLE) != 0 && outSlot[fd] < 0 && (sendArea == null || !sendArea.holds(fd))) {
            // (While the send area holds bytes of the socket, WRITABLE is reported when they have been sent.)
            outSlot[fd] = submitPoll(fd, poll, true);
        }
    }

    private int submitPoll(int fd, CorePoll poll, boolean out) {
        int slot = takeSlot(poll, out ? fd | SLOT_OUT : fd);
        boolean multishot = !out && multishotIn(poll);
        return submit(slot, new IoUringIoOps(IORING_OP_POLL_ADD, (byte) 0, (short) 0, fd, 0L, 0L,
                multishot ? IORING_POLL_ADD_MULTI : 0, out ? POLLOUT : multishot ? POLLIN | POLLRDHUP : POLLIN,
                (long) (short) slot, (short) 0, (short) 0, 0, 0L), "a poll request", fd);
    }

    /**
     * Arms a multishot RECV for a connected stream socket: each arrival lands in a buffer of the receive ring and
     * completes with it, until the end of the stream, a failure, a cancellation or a ring with no buffer left.
     */
    private int submitRecv(int fd, CorePoll poll) {
        receiveRing.attach(fd);
        int slot = takeSlot(poll, fd | SLOT_RECV);
        return submit(slot, new IoUringIoOps(IORING_OP_RECV, IOSQE_BUFFER_SELECT, IORING_RECV_MULTISHOT, fd, 0L,
                0L, 0, 0, (long) (short) slot, UringReceiveRing.GROUP, (short) 0, 0, 0L), "a receive request", fd);
    }

    // ---------------------------------------------------------------- sends from the send area

    /** Submits a SEND for every chunk the iteration's writes opened (still open): they go with the coming wait. */
    private void submitSends() {
        if (sendArea == null) {
            return;
        }
        int count = sendArea.takeOpened();
        for (int i = 0; i < count; i++) {
            int chunk = sendArea.opened(i);
            if (chunk >= 0) {
                submitSend(chunk);
            }
        }
    }

    /**
     * Queues a SEND of what {@code chunk} has unsent ({@code MSG_WAITALL}: all of it, waiting for room as needed, or a
     * failure), without an ops object (see {@link UringAccess.Enqueuer}).
     */
    private void submitSend(int chunk) {
        int slot = takeSlot(null, chunk | SLOT_SEND);
        Handle handle = handleFor(slot);
        sendArea.markSent(chunk);
        sends++;
        enqueuer.enqueue(handle.registration, IORING_OP_SEND, (byte) 0, sendArea.fd(chunk), sendArea.address(chunk),
                sendArea.length(chunk), MSG_NOSIGNAL | MSG_WAITALL, (short) slot);
    }

    /**
     * A SEND of {@code slot} completed with {@code res} (bytes sent, or a negative errno). The rest of a short send is
     * sent again; a socket whose chunk is done gets its deferred FIN and, if it wants it, WRITABLE; a failure closes
     * its socket with RESET. A chunk whose socket closed meanwhile is only freed.
     */
    private void sent(int slot, int res) {
        int chunk = slotInfo[slot] & SLOT_FD;
        releaseSlot(slot);
        int fd = sendArea.fd(chunk);
        if (res < 0) {
            sendArea.release(chunk);
            if (fd >= 0 && polls[fd] != null) {
                sendEvent(fd, true);
            }
            return;
        }
        boolean fin = sendArea.finAfter(chunk);
        if (sendArea.advance(chunk, res)) {
            submitSend(chunk);
            return;
        }
        if (fd < 0 || polls[fd] == null) {
            return;
        }
        if (fin) {
            try {
                ops.shutdownOutput(polls[fd].io);
            } catch (IOException e) {
                sendEvent(fd, true);
                return;
            }
        }
        if ((state[fd] & CorePoll.WRITABLE) != 0) {
            sendEvent(fd, false);
        }
    }

    private void sendEvent(int fd, boolean failed) {
        int i = sendEventCount;
        if (i == sendEventFd.length) {
            sendEventFd = Arrays.copyOf(sendEventFd, i * 2);
            sendEventPoll = Arrays.copyOf(sendEventPoll, i * 2);
            sendEventFailed = Arrays.copyOf(sendEventFailed, i * 2);
        }
        sendEventFd[i] = fd;
        sendEventPoll[i] = polls[fd];
        sendEventFailed[i] = failed;
        sendEventCount = i + 1;
    }

    /** Reports what {@link #sent} found, to the polls that are still the descriptors' (see {@link #sendEvent}). */
    private void dispatchSendEvents() {
        int count = sendEventCount;
        for (int i = 0; i < count; i++) {
            int fd = sendEventFd[i];
            CorePoll poll = sendEventPoll[i];
            sendEventPoll[i] = null;
            if (polls[fd] != poll) {
                continue;
            }
            if (sendEventFailed[i]) {
                dispatch(poll, fd, 0, true, false);
            } else if ((state[fd] & CorePoll.WRITABLE) != 0 && !sendArea.holds(fd)) {
                dispatch(poll, fd, CorePoll.WRITABLE, false, false);
            }
            if (polls[fd] == poll) {
                arm(fd, poll);
            }
        }
        sendEventCount = 0;
    }

    /**
     * The socket on {@code fd} closes: bytes of it the send area still holds go to the kernel first. An open chunk is
     * submitted now (the caller pushes it to the kernel before the descriptor closes); a sent chunk's request holds
     * the socket's file, so the connection stays until the kernel took the bytes (and then sends the FIN), and the
     * chunk is freed by its completion.
     */
    private void sendBeforeClose(int fd) {
        int chunk = sendArea.chunk(fd);
        if (chunk < 0) {
            return;
        }
        if (sendArea.openChunk(fd) >= 0) {
            submitSend(chunk);
        }
        sendArea.orphan(chunk);
    }

    /** Hands {@code request} of {@code slot} to Netty's registration for the slot; returns the slot. */
    private int submit(int slot, IoUringIoOps request, String what, int fd) {
        Handle handle = handleFor(slot);
        long token = handle.registration.submit(request);
        if (token == -1 || token == 0) {
            releaseSlot(slot);
            throw new IllegalStateException("the io_uring handler refused " + what + " for descriptor " + fd);
        }
        handle.idBits = token & 0xFFFF_FFFF_0000_0000L;
        return slot;
    }

    /**
     * Cancels the request of {@code slot}; its last completion (-ECANCELED) frees the slot. A socket's paused RECV
     * ({@code keepPoll}) still names its poll, so the bytes its last completions bring are kept for the socket.
     */
    private void cancel(int slot, boolean keepPoll) {
        Handle handle = handleFor(slot);
        byte op = (slotInfo[slot] & SLOT_RECV) != 0 ? IORING_OP_RECV : IORING_OP_POLL_ADD;
        long token = handle.idBits | ((op & 0xFFL) << 16) | (slot & 0xFFFFL);
        if (!keepPoll) {
            slotPoll[slot] = null;
        }
        handle.registration.submit(new IoUringIoOps(IORING_OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0L, token, 0,
                0, 0L, (short) 0, (short) 0, 0, 0L));
    }

    /** A free slot, now naming {@code poll} and {@code info} (the descriptor and the request's kind bits). */
    private int takeSlot(CorePoll poll, int info) {
        int slot = freeSlot;
        if (slot >= 0) {
            freeSlot = slotNextFree[slot];
        } else {
            slot = slotCount++;
            if (slot == slotPoll.length) {
                int length = slot * 2;
                slotPoll = Arrays.copyOf(slotPoll, length);
                slotInfo = Arrays.copyOf(slotInfo, length);
                slotNextFree = Arrays.copyOf(slotNextFree, length);
            }
        }
        slotPoll[slot] = poll;
        slotInfo[slot] = info;
        return slot;
    }

    private void releaseSlot(int slot) {
        slotPoll[slot] = null;
        slotNextFree[slot] = freeSlot;
        freeSlot = slot;
    }

    private Handle handleFor(int slot) {
        int index = slot / SLOTS_PER_HANDLE;
        if (index >= handles.length) {
            handles = Arrays.copyOf(handles, index + 1);
        }
        Handle handle = handles[index];
        if (handle == null) {
            handle = new Handle(index * SLOTS_PER_HANDLE);
            try {
                handle.registration = handler.register(handle);
            } catch (Exception e) {
                throw new IllegalStateException("Netty's IoUringIoHandler refused a registration", e);
            }
            handles[index] = handle;
        }
        return handle;
    }

    // ---------------------------------------------------------------- registration

    @Override
    public void register(CorePoll poll, Object raw) {
        FileDescriptor descriptor = (FileDescriptor) raw;
        int fd = descriptor.intValue();
        if (fd >= polls.length) {
            int length = Math.max(polls.length * 2, Integer.highestOneBit(fd) * 2);
            polls = Arrays.copyOf(polls, length);
            state = Arrays.copyOf(state, length);
            int old = inSlot.length;
            inSlot = Arrays.copyOf(inSlot, length);
            outSlot = Arrays.copyOf(outSlot, length);
            Arrays.fill(inSlot, old, length, -1);
            Arrays.fill(outSlot, old, length, -1);
        }
        if (polls[fd] != null) {
            throw new IllegalStateException("descriptor " + fd + " is already registered with this loop");
        }
        polls[fd] = poll;
        state[fd] = 0;
        poll.io = descriptor;
    }

    @Override
    public void setInterest(CorePoll poll, int events) {
        int fd = ((FileDescriptor) poll.io).intValue();
        int wanted = EpollEvents.effectiveInterest(poll.kind, events);
        int current = state[fd];
        if ((current & INTEREST) == wanted) {
            return;
        }
        state[fd] = (byte) ((current & ~INTEREST) | wanted);
        boolean readableBack = (wanted & CorePoll.READABLE) != 0 && (current & CorePoll.READABLE) == 0;
        if (readsByCompletion(fd, poll)) {
            if (readableBack && receiveRing.hasPending(fd)) {
                scheduleRead(fd); // bytes (or the end) received before the pause
            } else if ((wanted & CorePoll.READABLE) == 0 && inSlot[fd] >= 0) {
                // Paused: stop receiving, so the kernel's window (not our ring) holds what the peer sends next.
                cancel(inSlot[fd], true);
                inSlot[fd] = -1;
            }
        } else if (readableBack && ((inSlot[fd] >= 0 && multishotIn(poll))
                || (receiveRing != null && receiveRing.hasPending(fd)))) {
            // The multishot poll stayed armed while READABLE was off and may have reported an arrival then.
            scheduleRead(fd);
        }
        arm(fd, poll);
    }

    /** Cancels the descriptor's requests and forgets it. */
    private void unregister(CorePoll poll, FileDescriptor descriptor, boolean closing) {
        int fd = descriptor.intValue();
        if (fd >= polls.length || polls[fd] != poll) {
            return;
        }
        boolean armed = inSlot[fd] >= 0 || outSlot[fd] >= 0;
        if (sendArea != null && sendArea.holds(fd)) {
            sendBeforeClose(fd);
            armed = true; // (the send must reach the kernel before the descriptor closes)
        }
        if (inSlot[fd] >= 0) {
            cancel(inSlot[fd], false);
            inSlot[fd] = -1;
        }
        if (outSlot[fd] >= 0) {
            cancel(outSlot[fd], false);
            outSlot[fd] = -1;
        }
        polls[fd] = null;
        state[fd] = 0;
        if (receiveRing != null) {
            receiveRing.drop(fd);
        }
        if (armed && !closed) {
            submitCancellations(poll, descriptor, closing);
        }
    }

    /** Hands the cancellations to the kernel now, so the file is released when the descriptor closes. */
    private void submitCancellations(CorePoll poll, FileDescriptor descriptor, boolean closing) {
        if (submitNow != null) {
            try {
                int submitted = (int) submitNow.invokeExact();
                if (submitted >= 0) {
                    return;
                }
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.DEBUG, "io_uring submit failed", e);
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.DEBUG, "io_uring submit failed", t);
            }
        }
        if (closing && poll.kind == CorePoll.KIND_LISTEN && descriptor instanceof Socket socket) {
            // Stops listening now; the request lets the file go with the next wait.
            try {
                socket.shutdown(true, false);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "shutdown of a closed listen socket failed", e);
            }
        }
    }

    @Override
    public void close(CorePoll poll) {
        FileDescriptor descriptor = (FileDescriptor) poll.io;
        if (descriptor != null) {
            unregister(poll, descriptor, true);
            ops.close(descriptor);
        }
    }

    @Override
    public void deregister(CorePoll poll) {
        FileDescriptor descriptor = (FileDescriptor) poll.io;
        if (descriptor != null) {
            unregister(poll, descriptor, false);
        }
    }

    @Override
    public void transfer(CorePoll from, CorePoll to) {
        FileDescriptor descriptor = (FileDescriptor) from.io;
        int fd = descriptor.intValue();
        polls[fd] = to;
        if (inSlot[fd] >= 0) {
            slotPoll[inSlot[fd]] = to;
        }
        if (outSlot[fd] >= 0) {
            slotPoll[outSlot[fd]] = to;
        }
        to.io = descriptor;
        from.io = null;
    }

    @Override
    public Object raw(CorePoll poll) {
        return poll.io;
    }

    @Override
    public boolean isRegistered(Object raw) {
        int fd = ((FileDescriptor) raw).intValue();
        return fd < polls.length && polls[fd] != null;
    }

    // ---------------------------------------------------------------- wakeup and close

    @Override
    public void wakeup() {
        synchronized (wakeLock) {
            if (!closed) {
                handler.wakeup();
            }
        }
    }

    @Override
    public void close() {
        for (int fd = 0; fd < polls.length; fd++) {
            CorePoll poll = polls[fd];
            if (poll != null) {
                FileDescriptor descriptor = (FileDescriptor) poll.io;
                unregister(poll, descriptor, false);
                if (poll.kind != CorePoll.KIND_CALLBACK) {
                    ops.close(descriptor);
                }
            }
        }
        enable(); // a loop that never ran: the closing thread (its loop thread) tears the ring down
        handler.prepareToDestroy();
        if (receiveRing != null) {
            receiveRing.close();
        }
        synchronized (wakeLock) {
            closed = true;
            handler.destroy();
        }
    }

    // ---------------------------------------------------------------- IoHandlerContext: the current wait

    @Override
    public boolean canBlock() {
        return canBlock;
    }

    @Override
    public long delayNanos(long currentTimeNanos) {
        return deadlineNanos < 0 ? Long.MAX_VALUE : Math.max(0, deadlineNanos - currentTimeNanos);
    }

    @Override
    public long deadlineNanos() {
        return deadlineNanos;
    }

    // ---------------------------------------------------------------- ThreadAwareExecutor: the loop thread itself

    /** The loop thread is the handler's: submissions from it go straight to the ring, with no task object. */
    @Override
    public boolean isExecutorThread(Thread thread) {
        return thread == loopThread;
    }

    @Override
    public void execute(Runnable task) {
        task.run();
    }
}
