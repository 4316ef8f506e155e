package io.usockets.backend.natives;

import io.netty.channel.epoll.Native;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The one place that reaches past Netty's public API: {@code epoll_wait} into memory we own.
 *
 * <p>Netty's public {@code Native.epollWait} overloads take an {@code EpollEventArray}, whose constructor and
 * accessors are package-private, and arm a timerfd on every call. The private static native
 * {@code Native.epollWait(int efd, long address, int length, int timeoutMillis)} waits on a plain
 * {@code epoll_event} array; this class looks it up once with {@link MethodHandles#privateLookupIn} and calls it
 * through a constant method handle, so a call allocates nothing. On the class path no flag is needed; on the module
 * path the JVM needs {@link #ADD_OPENS}. If the lookup fails (a Netty upgrade renamed the method, or the package is
 * not open) {@link #unavailableReason()} says why, and each loop runs on {@link HandlerEpoll} instead.
 */
final class EpollAccess {

    /** The JVM option that opens Netty's epoll package to this module on the module path. */
    static final String ADD_OPENS =
            "--add-opens io.netty.transport.classes.epoll/io.netty.channel.epoll=io.usockets.backend.natives";

    private static final MethodHandle EPOLL_WAIT;
    private static final String REASON;

    static {
        MethodHandle handle = null;
        String reason = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Native.class, MethodHandles.lookup());
            handle = lookup.findStatic(Native.class, "epollWait",
                    MethodType.methodType(int.class, int.class, long.class, int.class, int.class));
        } catch (IllegalAccessException e) {
            reason = "Netty's io.netty.channel.epoll package is not open to the native backend (" + e.getMessage()
                    + "); on the module path add " + ADD_OPENS;
        } catch (NoSuchMethodException e) {
            reason = "this Netty version has no Native.epollWait(int, long, int, int) (" + e.getMessage()
                    + "); the native backend was built for Netty 4.2.18.Final";
        } catch (RuntimeException | LinkageError e) {
            reason = "Netty's epoll_wait binding cannot be reached: " + e;
        }
        EPOLL_WAIT = handle;
        REASON = reason;
    }

    private EpollAccess() {
    }

    /** Null when the raw epoll_wait is reachable, else why not. */
    static String unavailableReason() {
        return REASON;
    }

    /**
     * Waits on {@code epollFd} for at most {@code timeoutMillis} (-1: forever) and writes up to {@code length}
     * {@code struct epoll_event}s at {@code address}: the number of events, or a negative errno.
     */
    static int epollWait(int epollFd, long address, int length, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(epollFd, address, length, timeoutMillis);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("epoll_wait failed unexpectedly", t);
        }
    }
}
