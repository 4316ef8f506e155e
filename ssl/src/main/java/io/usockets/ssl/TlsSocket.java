package io.usockets.ssl;

import io.netty.internal.tcnative.Buffer;
import io.netty.internal.tcnative.SSL;
import io.usockets.CloseCode;
import io.usockets.NativeHandle;
import io.usockets.core.CoreContext;
import io.usockets.core.CoreLoop;
import io.usockets.core.CoreSocket;

import java.nio.ByteBuffer;

/**
 * A TLS socket: a core socket (still the poll, still 40-odd bytes of core state) plus the fields of one TLS
 * connection — the {@code SSL} and its network BIO, a few state bits, the client's host name, the SNI user data and
 * the ciphertext the kernel has not taken yet. Plain sockets do not carry any of this.
 *
 * <p>Records move through tcnative's byte-buffer BIO pair pointed at the loop's shared direct buffers (µSockets'
 * memory BIOs): ciphertext read by the core is fed in, plaintext comes out into the loop's plaintext buffer and is
 * handed to onData; plaintext written is sealed into the loop's ciphertext buffer and written to the kernel.
 *
 * <p>Write semantics under backpressure: {@code write} seals at most four 16 KiB records per kernel write and
 * returns the plaintext bytes sealed. When the kernel takes only part of the ciphertext, the rest is kept in this
 * socket's pending buffer (at most four records, allocated on first need), WRITABLE is armed, and every later
 * {@code write} returns 0 until the pending ciphertext has gone out; then {@code onWritable} runs. So a short count
 * means exactly what it means on a plain socket: write the rest from {@code onWritable}.
 *
 * <p>Lifecycle beyond the core's: the handshake starts when TCP opens; {@code onOpen} runs when it completes. A
 * handshake that fails or times out ends the socket with TLS_HANDSHAKE_FAILED, TLS_VERIFY_FAILED or TIMED_OUT in
 * {@code onConnectError} (client) or {@code onClose} (server; onOpen never ran). The {@code SSL} is freed when the
 * socket closes.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class TlsSocket extends CoreSocket {

    private static final byte HANDSHAKE_DONE = 1;
    private static final byte CLIENT = 2;
    /** close_notify is queued behind pending ciphertext; the FIN follows once it is out. */
    private static final byte SHUTDOWN_PENDING = 4;
    /** A native call is running; a close now must wait for it to return before freeing the SSL. */
    private static final byte IN_SSL = 8;
    private static final byte FREE_PENDING = 16;
    /** The application paused reading (tracked here too: the core's flag is its own). */
    private static final byte PAUSED = 32;
    /** Input is held back by a pause: ciphertext in {@link #held} and/or plaintext inside the SSL. */
    private static final byte HOLDING = 64;

    private final TlsConfig config;
    private long ssl;
    private long bio;
    private byte tlsFlags;
    /** The host a client connected to: its SNI name and, with a CA, the name its certificate must match. */
    String host;
    /** The user data of the SNI pattern a server socket was served under. */
    Object serverNameUserData;
    private String verifyFailure;
    /** What the application's onServerName handler threw during this socket's handshake. */
    private Throwable callbackFailure;
    /** A failure of this layer's own callback (no certificate to serve), as the handshake's reason. */
    private String callbackProblem;
    /** Ciphertext the kernel has not taken yet, in [0, position); null until first needed. */
    private ByteBuffer pending;
    /** Ciphertext read but not yet fed while reading is paused, in [position, limit); null until first needed. */
    private ByteBuffer held;
    private long heldAddress;

    TlsSocket(CoreContext<?, ?> context, byte kind, TlsConfig config) {
        super(context, kind);
        this.config = config;
    }

    private CoreLoop coreLoop() {
        return (CoreLoop) loop();
    }

    boolean isHandshaking() {
        return (tlsFlags & HANDSHAKE_DONE) == 0;
    }

    /** The host name a client's peer certificate must match, or null (servers, unix sockets, IP literals too). */
    String verifyHost() {
        return (tlsFlags & CLIENT) != 0 ? host : null;
    }

    /** Records that the application's onServerName handler threw (called by the certificate callback). */
    void callbackFailed(Throwable failure) {
        callbackFailure = failure;
    }

    /** Records why the peer's certificate was rejected (called by the verifier during the handshake). */
    void verifyFailed(String reason) {
        verifyFailure = reason;
    }

    // ---------------------------------------------------------------- opening and the handshake

    /** TCP is open: create the SSL and start the handshake; the user's onOpen waits for its end. */
    @Override
    protected void emitOpen(boolean isClient) {
        if (isClient) {
            tlsFlags |= CLIENT;
        }
        try {
            ssl = config.newSsl(!isClient);
            bio = SSL.bioNewByteBuffer(ssl, TlsConfig.NON_APPLICATION_BUFFER);
            if (isClient) {
                if (host != null && !HostNames.isIpLiteral(host)) {
                    SSL.setTlsExtHostName(ssl, host);
                }
                if (config.keyMaterial != null) {
                    config.keyMaterial.installOn(ssl);
                }
            }
        } catch (Exception e) {
            SSL.clearError();
            handshakeFailed(CloseCode.TLS_HANDSHAKE_FAILED, "cannot set up TLS: " + e.getMessage());
            return;
        }
        if (config.handshakeTimeoutSeconds > 0) {
            try {
                timeout(config.handshakeTimeoutSeconds);
            } catch (IllegalArgumentException e) {
                // Longer than the sweep can count at this tick: the handshake runs without a limit, as documented.
                timeout(0);
            }
        }
        if (isClient) {
            drive(0, 0);
        }
    }

    private void handshakeDone() {
        tlsFlags |= HANDSHAKE_DONE;
        if ((tlsFlags & CLIENT) == 0 && serverNameUserData == null) {
            // A resumed session skips the certificate callback; the SNI table still names the user data.
            ServerNames.Entry entry = config.serverNames.match(SSL.getSniHostname(ssl));
            if (entry != null) {
                serverNameUserData = entry.userData();
            }
        }
        if (config.handshakeTimeoutSeconds > 0) {
            timeout(0);
        }
        super.emitOpen((tlsFlags & CLIENT) != 0);
    }

    private void handshakeFailed(CloseCode code, Object reason) {
        if ((tlsFlags & CLIENT) != 0) {
            connectFailed(code, reason);
        } else {
            close(code, reason);
        }
    }

    /** The handshake timeout ends a socket still handshaking; after onOpen the user's handler runs. */
    @Override
    protected void emitTimeout() {
        if (isHandshaking() && kind == KIND_SOCKET) {
            handshakeFailed(CloseCode.TIMED_OUT, "the TLS handshake did not complete within "
                    + config.handshakeTimeoutSeconds + " s");
            return;
        }
        super.emitTimeout();
    }

    // ---------------------------------------------------------------- reading

    /** Ciphertext from the loop's receive buffer: handshake, then plaintext to onData. */
    @Override
    protected void emitData(ByteBuffer view) {
        TlsLoopState state = config.state;
        if (isHandshaking()) {
            state.handshakeReads++;
        }
        if (view != state.lastView) {
            state.lastView = view;
            state.lastViewAddress = Buffer.address(view);
        }
        long address = state.lastViewAddress + view.position();
        if ((tlsFlags & HOLDING) != 0) {
            // Input held back by an earlier pause goes first, so the order of bytes is kept.
            releaseHeld();
            if ((tlsFlags & HOLDING) != 0 || isClosed()) {
                if (!isClosed()) {
                    hold(address, view.remaining());
                }
                return;
            }
        }
        drive(address, view.remaining());
    }

    /** Keeps {@code length} bytes of ciphertext at {@code address} for after the pause (appended to what is held). */
    private void hold(long address, int length) {
        tlsFlags |= HOLDING;
        if (length == 0) {
            return;
        }
        if (held != null && address >= heldAddress && address < heldAddress + held.capacity()) {
            // Re-held from the held buffer itself: the unread part is already there.
            held.position((int) (address - heldAddress));
            return;
        }
        int kept = held == null ? 0 : held.remaining();
        if (held == null || held.capacity() < kept + length) {
            ByteBuffer grown = ByteBuffer.allocateDirect(Math.max(kept + length, TlsLoopState.CIPHER_CAPACITY));
            if (held != null) {
                grown.put(held);
            }
            grown.flip();
            held = grown;
            heldAddress = Buffer.address(grown);
        } else if (held.position() > 0) {
            held.compact().flip();
        }
        int end = held.limit();
        held.limit(end + length);
        ByteBuffer source = config.state.lastView;
        long offset = address - config.state.lastViewAddress;
        held.put(end, source, (int) offset, length);
    }

    /** Feeds what a pause held back (if reading is no longer paused); it may be held again. */
    private void releaseHeld() {
        if ((tlsFlags & (HOLDING | PAUSED)) != HOLDING || isClosed()) {
            return;
        }
        tlsFlags &= ~HOLDING;
        if (held != null && held.hasRemaining()) {
            drive(heldAddress + held.position(), held.remaining());
            if ((tlsFlags & HOLDING) == 0 && held != null) {
                held.clear().limit(0);
            }
        } else {
            drive(0, 0);
        }
    }

    @Override
    public void pauseReading() {
        super.pauseReading();
        if (!isClosed()) {
            tlsFlags |= PAUSED;
        }
    }

    /** Resumes; what a pause held back is delivered from a deferred task, never inside this call. */
    @Override
    public void resumeReading() {
        super.resumeReading();
        if ((tlsFlags & PAUSED) == 0 || isClosed()) {
            return;
        }
        tlsFlags &= ~PAUSED;
        if ((tlsFlags & HOLDING) != 0) {
            loop().defer(this::releaseHeld);
        }
    }

    /**
     * Feeds {@code length} bytes of ciphertext at {@code address} to the SSL (none for a client's first flight) and
     * runs it: the handshake while it lasts, then reads, delivering plaintext, flushing whatever the SSL wants to
     * send. Returns when all input is consumed or the socket closed.
     */
    private void drive(long address, int length) {
        TlsLoopState state = config.state;
        long in = address;
        int left = length;
        int plainUsed = 0;
        int stalls = 0;
        while (true) {
            if (left > 0) {
                SSL.bioSetByteBuffer(bio, in, left, false);
            }
            boolean handshaking = isHandshaking();
            int result;
            state.current = this;
            tlsFlags |= IN_SSL;
            try {
                result = handshaking ? SSL.doHandshake(ssl)
                        : SSL.readFromSSL(ssl, state.plainAddress + plainUsed, TlsLoopState.PLAIN_CAPACITY - plainUsed);
            } catch (RuntimeException | Error e) {
                // A Java callback of the SSL (certificate choice, onServerName) threw; JNI rethrows it here.
                if (callbackFailure == null && verifyFailure == null) {
                    callbackProblem = e.getMessage() == null ? e.toString() : e.getMessage();
                }
                result = -1;
            } finally {
                tlsFlags &= ~IN_SSL;
                state.current = null;
            }
            int before = left;
            if (left > 0) {
                left = SSL.bioLengthByteBuffer(bio);
                in += before - left;
                SSL.bioClearByteBuffer(bio);
            }
            if ((tlsFlags & FREE_PENDING) != 0 || isClosed()) {
                freeIfClosed();
                return;
            }
            int error = result > 0 ? SSL.SSL_ERROR_NONE : SSL.getError(ssl, result);
            if (!flushHandshakeOutput()) {
                return;
            }
            if (handshaking) {
                if (result == 1) {
                    handshakeDone();
                    if (isClosed()) {
                        return;
                    }
                    if ((tlsFlags & PAUSED) != 0) {
                        // Paused inside onOpen: application data that came with the last flight waits.
                        hold(in, left);
                        return;
                    }
                    continue;
                }
            } else if (result > 0) {
                plainUsed += result;
                if (plainUsed == TlsLoopState.PLAIN_CAPACITY) {
                    plainUsed = deliver(plainUsed);
                    if (isClosed()) {
                        return;
                    }
                    if ((tlsFlags & PAUSED) != 0) {
                        // Paused inside onData: keep the rest (ciphertext here, plaintext inside the SSL).
                        hold(in, left);
                        return;
                    }
                }
                continue;
            }
            if (error == SSL.SSL_ERROR_WANT_READ || error == SSL.SSL_ERROR_WANT_WRITE) {
                // WANT_READ: everything fed was consumed; WANT_WRITE: output was flushed above, go on.
                if (left == 0 && error == SSL.SSL_ERROR_WANT_READ) {
                    deliver(plainUsed);
                    return;
                }
                if (left == before && ++stalls > 2) {
                    failed(handshaking, "the TLS library stopped consuming input with " + left + " bytes left");
                    return;
                }
                continue;
            }
            if (error == SSL.SSL_ERROR_ZERO_RETURN && !handshaking) {
                // close_notify: deliver what came before it, then it is the peer's end of stream.
                deliver(plainUsed);
                if (!isClosed()) {
                    receivedEnd();
                }
                return;
            }
            if (!handshaking) {
                deliver(plainUsed);
                if (isClosed()) {
                    return;
                }
            }
            failed(handshaking, lastError(error));
            return;
        }
    }

    /** Hands {@code used} bytes of the loop's plaintext buffer to onData; returns 0 (the new fill level). */
    private int deliver(int used) {
        if (used > 0) {
            ByteBuffer view = config.state.plainView;
            view.limit(used).position(0);
            super.emitData(view);
        }
        return 0;
    }

    private void failed(boolean handshaking, String reason) {
        if (callbackFailure != null) {
            System.getLogger("io.usockets").log(System.Logger.Level.WARNING,
                    "onServerName threw; the TLS handshake fails", callbackFailure);
            handshakeFailed(CloseCode.CALLBACK_FAILED, callbackFailure);
            return;
        }
        if (handshaking) {
            CloseCode code = verifyFailure != null || reason.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")
                    || reason.contains("CERTIFICATE_REQUIRED") ? CloseCode.TLS_VERIFY_FAILED
                    : CloseCode.TLS_HANDSHAKE_FAILED;
            String why = verifyFailure != null ? "TLS peer verification failed: " + verifyFailure
                    : "TLS handshake failed: " + (callbackProblem != null ? callbackProblem + " (" + reason + ")" : reason);
            handshakeFailed(code, why);
        } else {
            close(CloseCode.OTHER, "TLS error: " + reason);
        }
    }

    private String lastError(int error) {
        int number = SSL.getLastErrorNumber();
        String text = number != 0 ? SSL.getErrorString(number) : "SSL error " + error;
        SSL.clearError();
        return text;
    }

    /** The peer's FIN: during the handshake it ends the socket; afterwards it is the end of stream (onEnd). */
    @Override
    protected void emitEnd() {
        if (isHandshaking()) {
            handshakeFailed(CloseCode.TLS_HANDSHAKE_FAILED,
                    "TLS handshake failed: the peer closed the connection before it completed");
            return;
        }
        super.emitEnd();
    }

    // ---------------------------------------------------------------- writing

    /** Sends what the SSL produced outside SSL_write (handshake flights, tickets, alerts); false if closed. */
    private boolean flushHandshakeOutput() {
        TlsLoopState state = config.state;
        while (SSL.bioLengthNonApplication(bio) > 0) {
            SSL.bioSetByteBuffer(bio, state.cipherAddress, TlsLoopState.CIPHER_CAPACITY, true);
            int n = SSL.bioFlushByteBuffer(bio);
            SSL.bioClearByteBuffer(bio);
            if (n <= 0) {
                break;
            }
            writeCipher(n, false);
            if (isClosed()) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code n} bytes of the loop's ciphertext buffer, keeping what the kernel does not take. */
    private void writeCipher(int n, boolean msgMore) {
        if (n <= 0) {
            return;
        }
        ByteBuffer cipher = config.state.cipher;
        cipher.clear().limit(n);
        if (pending != null && pending.position() > 0) {
            appendPending(cipher);
            return;
        }
        super.write(cipher, msgMore);
        if (!isClosed() && cipher.hasRemaining()) {
            appendPending(cipher);
        }
    }

    private void appendPending(ByteBuffer src) {
        if (pending == null || pending.remaining() < src.remaining()) {
            int needed = (pending == null ? 0 : pending.position()) + src.remaining();
            ByteBuffer grown = ByteBuffer.allocateDirect(Math.max(needed, TlsLoopState.CIPHER_CAPACITY));
            if (pending != null) {
                pending.flip();
                grown.put(pending);
            }
            pending = grown;
        }
        pending.put(src);
    }

    /** Tries to send the pending ciphertext; true when none is left. */
    private boolean flushPending() {
        if (pending == null || pending.position() == 0) {
            return true;
        }
        pending.flip();
        super.write(pending, false);
        if (isClosed()) {
            return false;
        }
        pending.compact();
        if (pending.position() > 0) {
            return false;
        }
        if (config.preferLowMemory) {
            pending = null;
        }
        return true;
    }

    private boolean canWrite() {
        coreLoop().checkThread();
        return (tlsFlags & (HANDSHAKE_DONE | SHUTDOWN_PENDING)) == HANDSHAKE_DONE && !isClosed()
                && !super.isShutDown();
    }

    @Override
    public int write(ByteBuffer data, boolean msgMore) {
        if (data == null) {
            coreLoop().checkThread();
            throw new IllegalArgumentException("data to write is null");
        }
        if (!canWrite() || !data.hasRemaining() || !flushPending()) {
            return 0;
        }
        TlsLoopState state = config.state;
        long base;
        if (data == state.plainView) {
            base = state.plainAddress;
        } else if (data.isDirect()) {
            base = Buffer.address(data);
        } else {
            base = 0;
        }
        int start = data.position();
        int taken = seal(data, null, base, start, data.remaining(), msgMore);
        data.position(start + taken);
        return taken;
    }

    @Override
    public int write(byte[] data, int offset, int length, boolean msgMore) {
        coreLoop().checkThread();
        if (data == null) {
            throw new IllegalArgumentException("data to write is null");
        }
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length
                    + " are out of range for an array of " + data.length + " bytes");
        }
        if (!canWrite() || length == 0 || !flushPending()) {
            return 0;
        }
        return seal(null, data, 0, offset, length, msgMore);
    }

    /**
     * Seals plaintext into records and writes them; the source is a direct buffer at {@code base} (non-zero), a heap
     * buffer, or an array, copied through the loop's scratch buffer. Returns the plaintext bytes taken.
     */
    private int seal(ByteBuffer buffer, byte[] array, long base, int offset, int length, boolean msgMore) {
        TlsLoopState state = config.state;
        int taken = 0;
        while (taken < length) {
            SSL.bioSetByteBuffer(bio, state.cipherAddress, TlsLoopState.CIPHER_CAPACITY, true);
            int produced = 0;
            int error = 0;
            while (taken < length && TlsLoopState.CIPHER_CAPACITY - produced
                    >= TlsLoopState.RECORD_PLAINTEXT + TlsLoopState.RECORD_OVERHEAD) {
                int chunk = Math.min(length - taken, TlsLoopState.RECORD_PLAINTEXT);
                long source;
                if (base != 0) {
                    source = base + offset + taken;
                } else {
                    if (array != null) {
                        state.scratch.put(0, array, offset + taken, chunk);
                    } else {
                        state.scratch.put(0, buffer, offset + taken, chunk);
                    }
                    source = state.scratchAddress;
                }
                int n = SSL.writeToSSL(ssl, source, chunk);
                if (n <= 0) {
                    error = SSL.getError(ssl, n);
                    break;
                }
                taken += n;
                produced = TlsLoopState.CIPHER_CAPACITY - SSL.bioLengthByteBuffer(bio);
            }
            produced = TlsLoopState.CIPHER_CAPACITY - SSL.bioLengthByteBuffer(bio);
            SSL.bioClearByteBuffer(bio);
            writeCipher(produced, msgMore || taken < length);
            if (isClosed()) {
                return taken;
            }
            if (error != 0) {
                close(CloseCode.OTHER, "TLS error while writing: " + lastError(error));
                return taken;
            }
            if (pending != null && pending.position() > 0) {
                break;
            }
        }
        return taken;
    }

    @Override
    public int write2(ByteBuffer header, ByteBuffer payload) {
        coreLoop().checkThread();
        if (header == null || payload == null) {
            throw new IllegalArgumentException("write2 needs a header and a payload, got null");
        }
        int first = write(header, true);
        if (header.hasRemaining() || isClosed()) {
            return first;
        }
        return first + write(payload, false);
    }

    @Override
    public void flush() {
        coreLoop().checkThread();
        if (!isClosed() && flushPending()) {
            super.flush();
        }
    }

    /** Pending ciphertext goes first; then a queued shutdown completes, else the user may write again. */
    @Override
    protected void emitWritable() {
        if (!flushPending()) {
            return;
        }
        if ((tlsFlags & SHUTDOWN_PENDING) != 0) {
            tlsFlags &= ~SHUTDOWN_PENDING;
            super.shutdown();
            return;
        }
        if (!isHandshaking()) {
            super.emitWritable();
        }
    }

    // ---------------------------------------------------------------- shutdown and close

    /** Sends close_notify, then FIN (once any pending ciphertext is out); before the handshake ends, just FIN. */
    @Override
    public void shutdown() {
        coreLoop().checkThread();
        if (isClosed() || super.isShutDown() || (tlsFlags & SHUTDOWN_PENDING) != 0 || kind != KIND_SOCKET) {
            return;
        }
        if (isHandshaking()) {
            super.shutdown();
            return;
        }
        TlsLoopState state = config.state;
        SSL.bioSetByteBuffer(bio, state.cipherAddress, TlsLoopState.CIPHER_CAPACITY, true);
        SSL.shutdownSSL(ssl);
        int produced = TlsLoopState.CIPHER_CAPACITY - SSL.bioLengthByteBuffer(bio);
        SSL.bioClearByteBuffer(bio);
        SSL.clearError();
        writeCipher(produced, false);
        if (isClosed()) {
            return;
        }
        if (pending != null && pending.position() > 0) {
            tlsFlags |= SHUTDOWN_PENDING;
            return;
        }
        super.shutdown();
    }

    /**
     * Closes now, as on a plain socket; an orderly close ({@code NORMAL}) of an open TLS socket first offers the
     * peer a close_notify in one non-blocking write, so it can tell the end from a truncation.
     */
    @Override
    public void close(CloseCode code, Object reason) {
        coreLoop().checkThread();
        if ((code == null || code == CloseCode.NORMAL) && ssl != 0 && !isClosed() && !isHandshaking()
                && !super.isShutDown() && (tlsFlags & SHUTDOWN_PENDING) == 0 && kind == KIND_SOCKET
                && (pending == null || pending.position() == 0)) {
            TlsLoopState state = config.state;
            SSL.bioSetByteBuffer(bio, state.cipherAddress, TlsLoopState.CIPHER_CAPACITY, true);
            SSL.shutdownSSL(ssl);
            int produced = TlsLoopState.CIPHER_CAPACITY - SSL.bioLengthByteBuffer(bio);
            SSL.bioClearByteBuffer(bio);
            SSL.clearError();
            if (produced > 0) {
                ByteBuffer cipher = state.cipher;
                cipher.clear().limit(produced);
                super.write(cipher, false);
            }
        }
        super.close(code, reason);
    }

    @Override
    public boolean isShutDown() {
        return super.isShutDown() || (tlsFlags & SHUTDOWN_PENDING) != 0;
    }

    /** Frees the SSL when the socket closes, or right after the native call that is running returns. */
    @Override
    protected void closed() {
        pending = null;
        held = null;
        if ((tlsFlags & IN_SSL) != 0) {
            tlsFlags |= FREE_PENDING;
            return;
        }
        freeIfClosed();
    }

    private void freeIfClosed() {
        if (ssl != 0 && isClosed()) {
            long s = ssl;
            ssl = 0;
            bio = 0;
            config.freeSsl(s);
        }
    }

    // ---------------------------------------------------------------- queries

    @Override
    public boolean isTls() {
        return true;
    }

    @Override
    public boolean isEstablished() {
        return super.isEstablished() && !isHandshaking();
    }

    @Override
    public NativeHandle nativeHandle() {
        NativeHandle handle = super.nativeHandle();
        return handle == null || ssl == 0 ? handle : handle.withTls(ssl);
    }

    @Override
    public Object serverNameUserData() {
        coreLoop().checkThread();
        return serverNameUserData;
    }

    @Override
    public String alpnProtocol() {
        coreLoop().checkThread();
        if (ssl == 0 || isHandshaking()) {
            return null;
        }
        String selected = SSL.getAlpnSelected(ssl);
        return selected == null || selected.isEmpty() ? null : selected;
    }

    /** Whether the session was resumed (a ticket or cached session), for {@link Tls#sessionReused}. */
    boolean sessionReused() {
        return ssl != 0 && !isHandshaking() && SSL.isSessionReused(ssl);
    }

    /** The negotiated protocol version ("TLSv1.3"), or null. */
    String protocol() {
        return ssl == 0 || isHandshaking() ? null : SSL.getVersion(ssl);
    }

    @Override
    public String toString() {
        return "TlsSocket[" + (isClosed() ? "closed" : kind == KIND_CONNECTING ? "connecting"
                : isHandshaking() ? "handshaking" : "open") + "]";
    }
}
