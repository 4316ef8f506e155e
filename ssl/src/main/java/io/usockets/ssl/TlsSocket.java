package io.usockets.ssl;

import io.netty.internal.tcnative.SSL;
import io.usockets.CloseCode;
import io.usockets.core.CoreContext;
import io.usockets.core.CoreSocket;

import java.nio.ByteBuffer;

/**
 * A TLS socket: a core socket (still the poll, still 40-odd bytes of core state) plus the fields of one TLS
 * connection — the {@code SSL} and its network BIO, a few state bits, the client's host name, the SNI user data, the
 * reason a handshake failed, and the ciphertext the kernel has not taken yet or that a pause held back. Plain
 * sockets carry none of this.
 *
 * <p>This class is glue: it fills the core's six hooks, each standing between the core and one of the application's
 * callbacks or calls, and hands the work to the loop's {@link TlsEngine} — {@link #opened} starts the handshake, {@link #received} unseals
 * (or ends the handshake at a FIN), {@link #send} seals, {@link #flushOutput} sends the backlog and close_notify,
 * {@link #closed} frees the {@code SSL}, {@link #info} answers the native handle, SNI user data and ALPN. It lends
 * the engine the core's protected operations (deliver plaintext, transmit records, open, end of stream, fail).
 *
 * <p>Write semantics under backpressure: {@code write} seals at most four 16 KiB records per kernel write and
 * returns the plaintext bytes sealed. When the kernel takes only part of the ciphertext, the rest is kept in this
 * socket's backlog (at most four records, allocated on first need), WRITABLE is armed, and every later
 * {@code write} returns 0 until the backlog has gone out; then {@code onWritable} runs. So a short count means
 * exactly what it means on a plain socket: write the rest from {@code onWritable}.
 *
 * <p>Lifecycle beyond the core's: the handshake starts when TCP opens; {@code onOpen} runs when it completes. A
 * handshake that fails or times out ends the socket with TLS_HANDSHAKE_FAILED, TLS_VERIFY_FAILED or TIMED_OUT in
 * {@code onConnectError} (client) or {@code onClose} (server; onOpen never ran). The {@code SSL} is freed when the
 * socket closes.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class TlsSocket extends CoreSocket {

    static final byte CLIENT = 1;
    /** A native call is running; a close now must wait for it to return before freeing the SSL. */
    static final byte IN_SSL = 2;
    static final byte FREE_PENDING = 4;
    /** {@link #failure} is the verifier's reason for rejecting the peer. */
    static final byte VERIFY_FAILED = 8;
    /** onServerName was already asked about this socket's name (before its SSL existed). */
    static final byte NAME_ASKED = 16;

    final TlsConfig config;
    long ssl;
    long bio;
    byte tlsFlags;
    /** The host a client connected to: its SNI name and, with a CA, the name its certificate must match. */
    String host;
    /** The user data of the SNI pattern a server socket was served under. */
    Object serverNameUserData;
    /**
     * Why the handshake is failing, most specific first: what the application's onServerName threw (a Throwable),
     * the verifier's reason (with {@link #VERIFY_FAILED}), or the message of another SSL callback's exception.
     */
    Object failure;
    /** Ciphertext the kernel has not taken yet, in [position, limit); null until first needed. */
    ByteBuffer backlog;
    /** Ciphertext read but not yet fed while input waits, in [position, limit); null until first needed. */
    ByteBuffer held;

    TlsSocket(CoreContext<?, ?> context, byte kind, TlsConfig config) {
        super(context, kind, true);
        this.config = config;
    }

    // ---------------------------------------------------------------- the core's hooks

    /** TCP is open: the engine creates the SSL and starts the handshake; onOpen waits for its end. */
    @Override
    protected void opened(boolean isClient) {
        config.engine.start(this, isClient);
    }

    /** Ciphertext in, the peer's FIN, or held input to feed again: the engine unseals and delivers. */
    @Override
    protected void received(ByteBuffer data) {
        config.engine.receive(this, data);
    }

    /** Plaintext out: the engine seals it into records. */
    @Override
    protected long send(ByteBuffer header, ByteBuffer payload, boolean msgMore) {
        return config.engine.send(this, header, payload, msgMore);
    }

    /** The backlog goes first; with {@code end}, close_notify is queued before it (shutdown, orderly close). */
    @Override
    protected boolean flushOutput(boolean end) {
        return config.engine.flush(this, end);
    }

    /** Frees the SSL when the socket closes, or right after the native call that is running returns. */
    @Override
    protected void closed() {
        config.engine.closed(this);
    }

    @Override
    protected Object info(int key) {
        return switch (key) {
            case INFO_TLS_HANDLE -> ssl == 0 ? null : ssl;
            case INFO_SERVER_NAME_USER_DATA -> serverNameUserData;
            case INFO_ALPN_PROTOCOL -> alpnProtocol(ssl);
            default -> null;
        };
    }

    // ---------------------------------------------------------------- the core's operations, for the engine

    boolean isClient() {
        return (tlsFlags & CLIENT) != 0;
    }

    /** A client's handshake is part of its connect: ended before it completes, it reports onConnectError. */
    @Override
    protected boolean opensAsClient() {
        return isClient();
    }

    /** Whether the handshake runs: TCP is open and the socket has not opened yet. */
    boolean handshaking() {
        return isOpening();
    }

    boolean inputPaused() {
        return isInputPaused();
    }

    void keepInput() {
        holdInput();
    }

    void deliver(ByteBuffer plaintext) {
        emitData(plaintext);
    }

    void transmitRecords(ByteBuffer records, boolean msgMore) {
        transmit(records, msgMore);
    }

    void openToApplication() {
        open(isClient());
    }

    void endOfStream() {
        receivedEnd();
    }

    /** Ends the socket for a failed handshake: onConnectError for a client, onClose for a server. */
    void fail(CloseCode code, Object reason) {
        if (isClient()) {
            connectFailed(code, reason);
        } else {
            close(code, reason);
        }
    }

    // ---------------------------------------------------------------- the SSL's callbacks and the context

    /** The host name a client's peer certificate must match, or null (servers, unix sockets, IP literals too). */
    String verifyHost() {
        return isClient() ? host : null;
    }

    /** Records that the application's onServerName handler threw (called by the certificate callback). */
    void callbackFailed(Throwable thrown) {
        failure = thrown;
    }

    /** Records why the peer's certificate was rejected (called by the verifier during the handshake). */
    void verifyFailed(String reason) {
        if (!(failure instanceof Throwable)) {
            failure = reason;
            tlsFlags |= VERIFY_FAILED;
        }
    }

    /** Records the message of an SSL callback's exception, unless a more specific reason is known. */
    void callbackProblem(String message) {
        if (failure == null) {
            failure = message;
        }
    }

    /** The handshake timeout (the context's onTimeout asks first): true if it ended a handshake still running. */
    boolean handshakeTimedOut() {
        if (!handshaking() || isClosed()) {
            return false;
        }
        fail(CloseCode.TIMED_OUT, "the TLS handshake did not complete within " + config.handshakeTimeoutSeconds
                + " s");
        return true;
    }

    // ---------------------------------------------------------------- queries

    private String alpnProtocol(long s) {
        if (s == 0 || handshaking()) {
            return null;
        }
        String selected = SSL.getAlpnSelected(s);
        return selected == null || selected.isEmpty() ? null : selected;
    }

    /** Whether the session was resumed (a ticket or cached session), for {@link Tls#sessionReused}. */
    boolean sessionReused() {
        return ssl != 0 && !handshaking() && SSL.isSessionReused(ssl);
    }

    /** The negotiated protocol version ("TLSv1.3"), or null. */
    String protocol() {
        return ssl == 0 || handshaking() ? null : SSL.getVersion(ssl);
    }
}
