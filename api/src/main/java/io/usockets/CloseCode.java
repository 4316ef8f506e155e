package io.usockets;

/**
 * Why a socket closed or a connect failed: one portable set of codes shared by every backend.
 * The backend-specific detail (an exception, or the reason passed to {@link Socket#close(CloseCode, Object)})
 * travels beside the code as the callback's {@code reason}.
 */
public enum CloseCode {
    /** Closed by the application or after an orderly shutdown of both directions. */
    NORMAL,
    /** The peer reset the connection, or a read or write failed on a broken connection. */
    RESET,
    /** The socket's timeout fired and the application closed it, or a connect timed out. */
    TIMED_OUT,
    /** The peer refused the connection (ECONNREFUSED). */
    REFUSED,
    /** The network or host could not be reached (ENETUNREACH, EHOSTUNREACH). */
    UNREACHABLE,
    /** The host name of a connect did not resolve. */
    NAME_NOT_RESOLVED,
    /** The TLS handshake failed. */
    TLS_HANDSHAKE_FAILED,
    /** The TLS peer's certificate did not verify. */
    TLS_VERIFY_FAILED,
    /** A user callback threw; the exception is the reason. */
    CALLBACK_FAILED,
    /** The loop was freed while the socket was open. */
    LOOP_FREED,
    /** Anything else; the reason says what. */
    OTHER
}
