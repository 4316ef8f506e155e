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
     * WRITABLE, {@code error} says the backend saw an error condition on the descriptor.
     *
     * @param events the ready events
     * @param error  whether the descriptor reported an error
     */
    public abstract void onReady(int events, boolean error);

    /**
     * Called by a completion-based backend (one that reads before it reports, as io_uring does) on the loop thread with
     * bytes it has already read for this poll: a view valid only during the call, never empty. Only sockets read this
     * way; other polls ignore it.
     *
     * @param data the bytes read
     */
    public void onReceived(java.nio.ByteBuffer data) {
    }

    /**
     * Called by a completion-based backend when a read it made for this poll ended the stream: {@code error} is null for
     * the peer's FIN, else the failure. Only sockets read this way; other polls ignore it.
     *
     * @param error why the stream ended, or null for the peer's FIN
     */
    public void onReceiveEnded(java.io.IOException error) {
    }
}
