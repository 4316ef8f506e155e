package io.usockets.backend.natives;

import io.netty.channel.uring.IoUringIoHandler;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The one place the io_uring backend reaches past Netty's public API: pushing the submission queue to the kernel at
 * once ({@code io_uring_enter} with no wait and no completion processing), which Netty's public
 * {@link IoUringIoHandler} does only inside {@code run}. A poll request holds its file until it is cancelled, so a
 * closed socket would keep its connection (and a listen socket its port) until the loop's next wait; submitting the
 * cancellation when the socket closes makes close as immediate as on epoll.
 *
 * <p>It reads the handler's private {@code ringBuffer} field, calls the package-private
 * {@code RingBuffer.ioUringSubmissionQueue()} and then {@code SubmissionQueue.submit()}, looked up once with
 * {@link MethodHandles#privateLookupIn}. On the class path no flag is needed; on the module path the JVM needs
 * {@link #ADD_OPENS}. Without it {@link #unavailableReason()} says why, and closing falls back to shutting the socket
 * down at once and letting the cancellation go with the next wait.
 */
final class UringAccess {

    /** The JVM option that opens Netty's io_uring package to this module on the module path. */
    static final String ADD_OPENS =
            "--add-opens io.netty.transport.classes.io_uring/io.netty.channel.uring=io.usockets.backend.natives";

    private static final MethodHandle RING;
    private static final MethodHandle QUEUE;
    private static final MethodHandle SUBMIT;
    private static final String REASON;

    static {
        MethodHandle ring = null;
        MethodHandle queue = null;
        MethodHandle submit = null;
        String reason = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(IoUringIoHandler.class, MethodHandles.lookup());
            Class<?> ringClass = Class.forName("io.netty.channel.uring.RingBuffer", false,
                    IoUringIoHandler.class.getClassLoader());
            Class<?> queueClass = Class.forName("io.netty.channel.uring.SubmissionQueue", false,
                    IoUringIoHandler.class.getClassLoader());
            ring = lookup.findGetter(IoUringIoHandler.class, "ringBuffer", ringClass);
            queue = lookup.findVirtual(ringClass, "ioUringSubmissionQueue", MethodType.methodType(queueClass));
            submit = lookup.findVirtual(queueClass, "submit", MethodType.methodType(int.class));
        } catch (IllegalAccessException e) {
            reason = "Netty's io.netty.channel.uring package is not open to the native backend (" + e.getMessage()
                    + "); on the module path add " + ADD_OPENS;
        } catch (NoSuchMethodException | NoSuchFieldException | ClassNotFoundException e) {
            reason = "this Netty version has no IoUringIoHandler.ringBuffer / SubmissionQueue.submit() (" + e
                    + "); the io_uring backend was built for Netty 4.2.18.Final";
        } catch (RuntimeException | LinkageError e) {
            reason = "Netty's io_uring submission queue cannot be reached: " + e;
        }
        RING = ring;
        QUEUE = queue;
        SUBMIT = submit;
        REASON = reason;
    }

    private UringAccess() {
    }

    /** Null when the submission queue is reachable, else why not. */
    static String unavailableReason() {
        return REASON;
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
}
