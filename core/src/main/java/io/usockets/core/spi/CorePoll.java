package io.usockets.core.spi;

/**
 * What a backend sees of a poll: the core's sockets, listen sockets and user polls all extend this class, so a
 * socket carries its poll state inline (µSockets: "sockets are polls").
 *
 * <p>{@link #io} is the eventing's handle for the poll's descriptor (a {@code SelectionKey} on nio), set by
 * {@link Eventing#register}. {@link #kind} tells the backend how to map interest: a connecting socket's WRITABLE
 * means "connect finished", a listen socket's READABLE means "accept".
 *
 * <p>Single-threaded: owned by one loop's thread.
 */
public abstract class CorePoll {

    /** A connected stream socket. */
    public static final byte KIND_SOCKET = 0;
    /** A stream socket whose connect has not completed (µSockets' POLL_TYPE_SEMI_SOCKET). */
    public static final byte KIND_CONNECTING = 1;
    /** A listening socket. */
    public static final byte KIND_LISTEN = 2;
    /** A user poll on any handle (µSockets' POLL_TYPE_CALLBACK). */
    public static final byte KIND_CALLBACK = 3;
    /** A UDP socket: READABLE means datagrams are waiting, WRITABLE that it can take more after a short send. */
    public static final byte KIND_DATAGRAM = 4;

    /** READABLE interest or readiness (LIBUS_SOCKET_READABLE). */
    public static final int READABLE = 1;
    /** WRITABLE interest or readiness (LIBUS_SOCKET_WRITABLE). */
    public static final int WRITABLE = 2;

    /** The backend's handle, or null before registration and after the poll is released. */
    public Object io;

    /** One of the KIND_ constants. */
    public byte kind;

    /**
     * Creates a poll of the given kind.
     *
     * @param kind one of the KIND_ constants
     */
    protected CorePoll(byte kind) {
        this.kind = kind;
    }

    /**
     * Called by the backend on the loop thread for a ready event: {@code events} is a mask of READABLE and
     * WRITABLE, {@code error} says the backend saw an error condition on the descriptor. A completion-based backend
     * (one whose kernel reads before it reports, as io_uring's RECV requests do) reports READABLE when it holds bytes,
     * the end of the stream or a failure for a socket, and its socket operations' {@code read} hands them over: the
     * socket reads as after any readiness, so pausing, the low-priority queue and TLS need nothing of their own.
     *
     * @param events the ready events
     * @param error  whether the descriptor reported an error
     */
    public abstract void onReady(int events, boolean error);
}
