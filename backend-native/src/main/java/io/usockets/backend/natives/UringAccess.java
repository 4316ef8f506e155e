package io.usockets.backend.natives;

import io.netty.channel.IoRegistration;
import io.netty.channel.unix.Errors;
import io.netty.channel.uring.IoUringIoHandler;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The one place the io_uring backend reaches past Netty's public API:
 * <ul>
 * <li>pushing the submission queue to the kernel at once ({@code io_uring_enter} with no wait, asking for completions
 * so that the kernel runs the task work the ring defers to that call: a cancelled request is freed and lets its file
 * go; the completions stay in the ring for the next wait), which Netty's public {@link IoUringIoHandler} does only
 * inside {@code run}. A poll request holds its file until it is cancelled, so a closed socket would keep its
 * connection (and a listen socket its port) until the loop's next wait; submitting the cancellation when the socket
 * closes makes close as immediate as on epoll;</li>
 * <li>the ring's descriptor and Netty's native call that registers a provided-buffer ring (for the receive ring);</li>
 * <li>queuing a request without Netty's {@code IoUringIoOps} object ({@link Enqueuer}), for the sends.</li>
 * </ul>
 *
 * <p>It reads the handler's private {@code ringBuffer} field and calls package-private methods of Netty's ring,
 * submission queue, native class and registration, looked up once with {@link MethodHandles#privateLookupIn}. On the
 * class path no flag is needed; on the module path the JVM needs {@link #ADD_OPENS}. Without it
 * {@link #unavailableReason()} says why: closing then shuts a listen socket down at once and lets the cancellation go
 * with the next wait, stream sockets read by readiness and write by system calls.
 */
final class UringAccess {

    /** The JVM option that opens Netty's io_uring package to this module on the module path. */
    static final String ADD_OPENS =
            "--add-opens io.netty.transport.classes.io_uring/io.netty.channel.uring=io.usockets.backend.natives";

    private static final MethodHandle RING;
    private static final MethodHandle QUEUE;
    private static final MethodHandle SUBMIT;
    private static final MethodHandle RING_FD;
    private static final MethodHandle REGISTER_BUFFER_RING;
    private static final MethodHandle UNREGISTER_BUFFER_RING;
    private static final MethodHandle ENQUEUE;
    private static final MethodHandle REGISTRATION_ID;
    private static final MethodHandle OUTSTANDING_GET;
    private static final MethodHandle OUTSTANDING_SET;
    private static final String REASON;
    private static final String ENQUEUE_REASON;

    static {
        MethodHandle ring = null;
        MethodHandle queue = null;
        MethodHandle submit = null;
        MethodHandle ringFd = null;
        MethodHandle register = null;
        MethodHandle unregister = null;
        MethodHandle enqueue = null;
        MethodHandle registrationId = null;
        MethodHandle outstandingGet = null;
        MethodHandle outstandingSet = null;
        String reason = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(IoUringIoHandler.class, MethodHandles.lookup());
            Class<?> ringClass = Class.forName("io.netty.channel.uring.RingBuffer", false,
                    IoUringIoHandler.class.getClassLoader());
            Class<?> queueClass = Class.forName("io.netty.channel.uring.SubmissionQueue", false,
                    IoUringIoHandler.class.getClassLoader());
            ring = lookup.findGetter(IoUringIoHandler.class, "ringBuffer", ringClass);
            queue = lookup.findVirtual(ringClass, "ioUringSubmissionQueue", MethodType.methodType(queueClass));
            submit = lookup.findVirtual(queueClass, "submitAndGetNow", MethodType.methodType(int.class));
            ringFd = lookup.findVirtual(ringClass, "fd", MethodType.methodType(int.class));
            Class<?> nativeClass = Class.forName("io.netty.channel.uring.Native", false,
                    IoUringIoHandler.class.getClassLoader());
            register = lookup.findStatic(nativeClass, "ioUringRegisterBufRing",
                    MethodType.methodType(long.class, int.class, int.class, short.class, int.class));
            unregister = lookup.findStatic(nativeClass, "ioUringUnRegisterBufRing",
                    MethodType.methodType(int.class, int.class, long.class, int.class, short.class));
        } catch (IllegalAccessException e) {
            reason = "Netty's io.netty.channel.uring package is not open to the native backend (" + e.getMessage()
                    + "); on the module path add " + ADD_OPENS;
        } catch (NoSuchMethodException | NoSuchFieldException | ClassNotFoundException e) {
            reason = "this Netty version has no IoUringIoHandler.ringBuffer / SubmissionQueue.submitAndGetNow() (" + e
                    + "); the io_uring backend was built for Netty 4.2.18.Final";
        } catch (RuntimeException | LinkageError e) {
            reason = "Netty's io_uring submission queue cannot be reached: " + e;
        }
        // The sends' entry points, looked up apart: without them only the sends fall back to system calls.
        String enqueueReason = reason;
        if (reason == null) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(IoUringIoHandler.class,
                        MethodHandles.lookup());
                Class<?> queueClass = Class.forName("io.netty.channel.uring.SubmissionQueue", false,
                        IoUringIoHandler.class.getClassLoader());
                enqueue = lookup.findVirtual(queueClass, "enqueueSqe", MethodType.methodType(long.class,
                                byte.class, byte.class, short.class, int.class, long.class, long.class, int.class,
                                int.class, long.class, short.class, short.class, int.class, long.class))
                        .asType(MethodType.methodType(long.class, Object.class, byte.class, byte.class, short.class,
                                int.class, long.class, long.class, int.class, int.class, long.class, short.class,
                                short.class, int.class, long.class));
                Class<?> registrationClass = Class.forName(
                        "io.netty.channel.uring.IoUringIoHandler$DefaultIoUringIoRegistration", false,
                        IoUringIoHandler.class.getClassLoader());
                MethodHandles.Lookup inRegistration = MethodHandles.privateLookupIn(registrationClass,
                        MethodHandles.lookup());
                registrationId = inRegistration.findGetter(registrationClass, "id", int.class)
                        .asType(MethodType.methodType(int.class, Object.class));
                outstandingGet = inRegistration.findGetter(registrationClass, "outstandingCompletions", int.class)
                        .asType(MethodType.methodType(int.class, Object.class));
                outstandingSet = inRegistration.findSetter(registrationClass, "outstandingCompletions", int.class)
                        .asType(MethodType.methodType(void.class, Object.class, int.class));
            } catch (IllegalAccessException | NoSuchMethodException | NoSuchFieldException | ClassNotFoundException
                     | RuntimeException | LinkageError e) {
                enqueueReason = "Netty's io_uring submission queue or registration cannot be reached to queue a "
                        + "request without an ops object (" + e + "); the io_uring backend was built for Netty "
                        + "4.2.18.Final";
            }
        }
        RING = ring;
        QUEUE = queue;
        SUBMIT = submit;
        RING_FD = ringFd;
        REGISTER_BUFFER_RING = register;
        UNREGISTER_BUFFER_RING = unregister;
        ENQUEUE = enqueue;
        REGISTRATION_ID = registrationId;
        OUTSTANDING_GET = outstandingGet;
        OUTSTANDING_SET = outstandingSet;
        REASON = reason;
        ENQUEUE_REASON = enqueueReason;
    }

    private UringAccess() {
    }

    /** Null when requests can be queued without Netty's ops objects ({@link Enqueuer}), else why not. */
    static String enqueueUnavailableReason() {
        return ENQUEUE_REASON;
    }

    /** Null when the submission queue is reachable, else why not. */
    static String unavailableReason() {
        return REASON;
    }

    /** The descriptor of {@code handler}'s ring, or -1 when out of reach. */
    static int ringFd(IoUringIoHandler handler) {
        if (REASON != null) {
            return -1;
        }
        try {
            return (int) RING_FD.invoke(RING.invoke(handler));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot reach the io_uring ring's descriptor", t);
        }
    }

    /** A provided-buffer ring registered with a kernel ring: where its entries are mapped, and how to let it go. */
    record BufferRing(int ringFd, long address, int entries, short group) {
        /** Unregisters the ring and unmaps its entries. */
        void close() {
            try {
                int ignored = (int) UNREGISTER_BUFFER_RING.invokeExact(ringFd, address, entries, group);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("cannot unregister an io_uring buffer ring", t);
            }
        }
    }

    /**
     * Registers a provided-buffer ring of {@code entries} entries (a power of two) as buffer group {@code group} with
     * the kernel ring {@code ringFd}, through Netty's native call (which maps the entries and registers them).
     *
     * @throws IOException when it is out of reach or the kernel refuses
     */
    static BufferRing registerBufferRing(int ringFd, int entries, short group) throws IOException {
        if (REASON != null) {
            throw new IOException(REASON);
        }
        long address;
        try {
            address = (long) REGISTER_BUFFER_RING.invokeExact(ringFd, entries, group, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot register an io_uring buffer ring", t);
        }
        if (address < 0) {
            throw Errors.newIOException("io_uring_register(IORING_REGISTER_PBUF_RING)", (int) address);
        }
        return new BufferRing(ringFd, address, entries, group);
    }

    /** A handle that submits {@code handler}'s queued entries now, returning the count; null when out of reach. */
    static MethodHandle submitter(IoUringIoHandler handler) {
        if (REASON != null) {
            return null;
        }
        try {
            Object queue = QUEUE.invoke(RING.invoke(handler));
            return SUBMIT.bindTo(queue);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot reach the io_uring submission queue", t);
        }
    }

    /**
     * Queues requests into one handler's submission queue without Netty's per-request {@code IoUringIoOps} object (a
     * send per response would otherwise allocate one each): the entry goes straight into the queue, with the user
     * data Netty's registration would give it (its id, the opcode, 16 bits of our own), and the registration counts
     * it as outstanding, as its own {@code submit} does, so that its completion finds everything as Netty expects.
     */
    static final class Enqueuer {
        private final Object queue;

        private Enqueuer(Object queue) {
            this.queue = queue;
        }

        /**
         * Queues one request for {@code registration} (which must be the handler's and its thread the caller's) and
         * returns its user data.
         */
        long enqueue(IoRegistration registration, byte op, byte flags, int fd, long address, int length, int opFlags,
                     short data) {
            try {
                long userData = ((long) (int) REGISTRATION_ID.invokeExact((Object) registration) << Integer.SIZE)
                        | ((op & 0xFFL) << Short.SIZE) | (data & 0xFFFFL);
                long ignored = (long) ENQUEUE.invokeExact(queue, op, flags, (short) 0, fd, 0L, address, length,
                        opFlags, userData, (short) 0, (short) 0, 0, 0L);
                OUTSTANDING_SET.invokeExact((Object) registration,
                        (int) OUTSTANDING_GET.invokeExact((Object) registration) + 1);
                return userData;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("cannot queue an io_uring request", t);
            }
        }
    }

    /** Queues requests for {@code handler} without Netty's ops objects; null when out of reach. */
    static Enqueuer enqueuer(IoUringIoHandler handler) {
        if (ENQUEUE_REASON != null) {
            return null;
        }
        try {
            return new Enqueuer(QUEUE.invoke(RING.invoke(handler)));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot reach the io_uring submission queue", t);
        }
    }
}
