package io.usockets.ssl;

import io.netty.internal.tcnative.Buffer;
import io.netty.internal.tcnative.SSL;
import io.usockets.CloseCode;
import io.usockets.Loop;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The TLS engine of one loop: it runs every TLS connection of the loop —
 * the handshake, unsealing received records into plaintext, sealing plaintext into records, close_notify — over
 * direct buffers the loop's TLS sockets share: ciphertext out, plaintext in (handed to onData), and a scratch
 * buffer for plaintext from heap buffers. It keeps no per-connection state: each connection's {@code SSL}, BIO and
 * buffers are fields of its {@link TlsSocket}, which calls the engine from its core hooks and lends it the core's
 * operations (deliver plaintext, transmit records, open, fail).
 *
 * <p>Records move through tcnative's byte-buffer BIO pair pointed at these buffers (memory BIOs). Two
 * per-connection byte queues, allocated on first need, use one growth rule ({@link #append}): the backlog of
 * ciphertext the kernel has not taken, and the ciphertext held back while reading is paused.
 *
 * <p>Single-threaded: used only on its loop's thread; the registry that maps a loop to its engine is synchronized
 * and consulted only when a context is created.
 */
final class TlsEngine {

    /** The most plaintext one TLS record carries. */
    static final int RECORD_PLAINTEXT = 16 * 1024;
    /** Room for the header, padding and tag of one record, with margin. */
    static final int RECORD_OVERHEAD = 512;
    /** Ciphertext buffer: four full records per kernel write. */
    static final int CIPHER_CAPACITY = 4 * (RECORD_PLAINTEXT + RECORD_OVERHEAD);
    /** Plaintext delivered to onData at most at once. */
    static final int PLAIN_CAPACITY = 64 * 1024;

    private static final Map<Loop, TlsEngine> BY_LOOP = Collections.synchronizedMap(new WeakHashMap<>());

    private final ByteBuffer cipher = ByteBuffer.allocateDirect(CIPHER_CAPACITY);
    private final long cipherAddress = Buffer.address(cipher);
    private final ByteBuffer plain = ByteBuffer.allocateDirect(PLAIN_CAPACITY);
    private final long plainAddress = Buffer.address(plain);
    /** The read-only view of {@link #plain} given to onData; its bounds are set per delivery. */
    private final ByteBuffer plainView = plain.asReadOnlyBuffer();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(RECORD_PLAINTEXT);
    private final long scratchAddress = Buffer.address(scratch);

    /** The receive view last seen and its address, so the address lookup runs once per loop, not per read. */
    private ByteBuffer lastView;
    private long lastViewAddress;
    /** The socket whose SSL call is running, for the certificate and verify callbacks. */
    TlsSocket current;
    /** Reads of sockets still handshaking, ever (the budget test compares it per iteration). */
    long handshakeReads;

    private TlsEngine() {
    }

    /** The engine of {@code loop}, created on first use. */
    static TlsEngine of(Loop loop) {
        return BY_LOOP.computeIfAbsent(loop, l -> new TlsEngine());
    }

    /** The engine of {@code loop} if a TLS context was ever created on it, else null. */
    static TlsEngine peek(Loop loop) {
        return BY_LOOP.get(loop);
    }

    // ---------------------------------------------------------------- the handshake

    /**
     * TCP is open: creates the socket's SSL, arms the handshake timeout and, for a client, sends its first flight. A
     * server whose context serves names (SNI table or onServerName) creates the SSL only once the ClientHello has
     * named the host ({@link #selectByName}).
     */
    void start(TlsSocket s, boolean isClient) {
        TlsConfig config = s.config;
        if (isClient) {
            s.tlsFlags |= TlsSocket.CLIENT;
        }
        if ((isClient || !config.servesNames()) && !createSsl(s, isClient ? config.clientCtx : config.serverCtx)) {
            return;
        }
        if (config.handshakeTimeoutSeconds > 0) {
            try {
                s.timeout(config.handshakeTimeoutSeconds);
            } catch (IllegalArgumentException e) {
                // Longer than the sweep can count at this tick: the handshake runs without a limit, as documented.
                s.timeout(0);
            }
        }
        if (isClient) {
            unseal(s, 0, 0);
        }
    }

    /** Creates the socket's SSL from {@code ctx} and its network BIO; false (the socket failed) if that fails. */
    private static boolean createSsl(TlsSocket s, long ctx) {
        TlsConfig config = s.config;
        boolean client = s.isClient();
        try {
            s.ssl = config.newSsl(ctx, !client);
            s.bio = SSL.bioNewByteBuffer(s.ssl, TlsConfig.NON_APPLICATION_BUFFER);
            if (client) {
                if (s.host != null && !HostNames.isIpLiteral(s.host)) {
                    SSL.setTlsExtHostName(s.ssl, s.host);
                }
                if (config.keyMaterial != null) {
                    config.keyMaterial.installOn(s.ssl);
                }
            }
            return true;
        } catch (Exception e) {
            SSL.clearError();
            s.fail(CloseCode.TLS_HANDSHAKE_FAILED, "cannot set up TLS: " + e.getMessage());
            return false;
        }
    }

    /**
     * A server socket without an SSL yet: collects ciphertext (in the held buffer) until the ClientHello is whole,
     * reads its server name, asks onServerName once for an unknown name, and creates the SSL from that name's own
     * native context (the default one without a known name); then feeds everything collected. {@code data} is the
     * new ciphertext at {@code address}, or null to look at what is held.
     */
    private void selectByName(TlsSocket s, ByteBuffer data, long address) {
        ByteBuffer in = data;
        if (s.held != null && s.held.hasRemaining()) {
            if (data != null) {
                s.held = append(s.held, data, data.position(), data.remaining());
            }
            in = s.held;
        } else if (data == null) {
            return;
        }
        String name = ClientHelloNames.serverName(in);
        if (name == ClientHelloNames.INCOMPLETE) {
            if (in.remaining() <= 2 * ClientHelloNames.MAX_HELLO) {
                if (in == data) {
                    s.held = append(s.held, data, data.position(), data.remaining());
                }
                return;
            }
            name = null;
        }
        TlsConfig config = s.config;
        long ctx = config.serverCtx;
        if (name != null) {
            ServerNames.Entry entry = config.serverNames.match(name);
            if (entry == null && config.serverNameHandler != null) {
                s.tlsFlags |= TlsSocket.NAME_ASKED;
                try {
                    config.serverNameHandler.onServerName(config.root, name);
                } catch (RuntimeException | Error e) {
                    s.callbackFailed(e);
                    failed(s, true, "onServerName threw");
                    return;
                }
                if (s.isClosed()) {
                    return;
                }
                entry = config.serverNames.match(name);
            }
            if (entry != null) {
                try {
                    ctx = config.serverContextFor(entry.pattern());
                } catch (IllegalStateException e) {
                    s.fail(CloseCode.TLS_HANDSHAKE_FAILED, e.getMessage());
                    return;
                }
            }
        }
        if (!createSsl(s, ctx)) {
            return;
        }
        if (in == data) {
            unseal(s, address, data.remaining());
        } else {
            releaseHeld(s);
        }
    }

    /** The handshake completed: the server's SNI user data is settled, the timeout disarmed, the socket opens. */
    private void handshakeDone(TlsSocket s) {
        if (!s.isClient() && s.serverNameUserData == null) {
            // A resumed session skips the certificate callback; the SNI table still names the user data.
            ServerNames.Entry entry = s.config.serverNames.match(SSL.getSniHostname(s.ssl));
            if (entry != null) {
                s.serverNameUserData = entry.userData();
            }
        }
        if (s.config.handshakeTimeoutSeconds > 0) {
            s.timeout(0);
        }
        s.openToApplication();
    }

    // ---------------------------------------------------------------- input

    /**
     * Input from the core: ciphertext in the loop's receive view (held back behind earlier input while input
     * waits), null at the peer's FIN (during the handshake it fails it), or an empty buffer when held input may go.
     */
    void receive(TlsSocket s, ByteBuffer data) {
        if (data == null) {
            if (s.handshaking() && !s.isShutDown()) {
                s.fail(CloseCode.TLS_HANDSHAKE_FAILED,
                        "TLS handshake failed: the peer closed the connection before it completed");
            } else {
                s.endOfStream();
            }
            return;
        }
        if (!data.hasRemaining()) {
            releaseHeld(s);
            return;
        }
        if (s.handshaking()) {
            handshakeReads++;
        }
        if (data != lastView) {
            lastView = data;
            lastViewAddress = Buffer.address(data);
        }
        long address = lastViewAddress + data.position();
        if (s.inputPaused()) {
            hold(s, address, data.remaining());
            return;
        }
        if (s.ssl == 0) {
            selectByName(s, data, address);
            return;
        }
        unseal(s, address, data.remaining());
    }

    /** Feeds the ciphertext held back by a pause (or just runs the SSL, for plaintext it still buffers). */
    private void releaseHeld(TlsSocket s) {
        if (s.ssl == 0) {
            selectByName(s, null, 0);
            return;
        }
        ByteBuffer held = s.held;
        if (held != null && held.hasRemaining()) {
            unseal(s, Buffer.address(held) + held.position(), held.remaining());
        } else {
            unseal(s, 0, 0);
        }
        if (!s.isClosed() && !s.inputPaused() && s.held != null) {
            s.held.clear().limit(0);
        }
    }

    /**
     * Keeps {@code length} bytes of ciphertext at {@code address} for after the pause, after what is held already,
     * and tells the core input is held (plaintext may also wait inside the SSL).
     */
    private void hold(TlsSocket s, long address, int length) {
        s.keepInput();
        ByteBuffer held = s.held;
        if (held != null) {
            long base = Buffer.address(held);
            if (address >= base && address <= base + held.limit()) {
                // Re-held from the held buffer itself: its unread part is already there.
                held.position((int) (address - base));
                return;
            }
        }
        if (length > 0) {
            s.held = append(held, lastView, (int) (address - lastViewAddress), length);
        }
    }

    /**
     * Feeds {@code length} bytes of ciphertext at {@code address} to the SSL (none for a client's first flight) and
     * runs it: the handshake while it lasts, then reads, delivering plaintext, sending whatever the SSL wants to
     * send. Returns when all input is consumed, input must wait, or the socket closed.
     */
    private void unseal(TlsSocket s, long address, int length) {
        long in = address;
        int left = length;
        int plainUsed = 0;
        int stalls = 0;
        while (true) {
            if (left > 0) {
                SSL.bioSetByteBuffer(s.bio, in, left, false);
            }
            boolean handshaking = s.handshaking();
            int result;
            current = s;
            s.tlsFlags |= TlsSocket.IN_SSL;
            try {
                result = handshaking ? SSL.doHandshake(s.ssl)
                        : SSL.readFromSSL(s.ssl, plainAddress + plainUsed, PLAIN_CAPACITY - plainUsed);
            } catch (RuntimeException | Error e) {
                // A Java callback of the SSL (certificate choice, onServerName) threw; JNI rethrows it here.
                s.callbackProblem(e.getMessage() == null ? e.toString() : e.getMessage());
                result = -1;
            } finally {
                s.tlsFlags &= ~TlsSocket.IN_SSL;
                current = null;
            }
            int before = left;
            if (left > 0) {
                left = SSL.bioLengthByteBuffer(s.bio);
                in += before - left;
                SSL.bioClearByteBuffer(s.bio);
            }
            if ((s.tlsFlags & TlsSocket.FREE_PENDING) != 0 || s.isClosed()) {
                if (result <= 0) {
                    SSL.clearError();
                }
                freeIfClosed(s);
                return;
            }
            int error = result > 0 ? SSL.SSL_ERROR_NONE : SSL.getError(s.ssl, result);
            if (!flushHandshakeOutput(s)) {
                // Closed while sending (an alert the kernel refused): what the failure queued must not stay on
                // the thread's error queue, where the next context's PEM parsing would read it.
                SSL.clearError();
                return;
            }
            if (handshaking) {
                if (result == 1) {
                    handshakeDone(s);
                    if (s.isClosed()) {
                        return;
                    }
                    if (s.inputPaused()) {
                        // Paused inside onOpen: application data that came with the last flight waits.
                        hold(s, in, left);
                        return;
                    }
                    continue;
                }
            } else if (result > 0) {
                plainUsed += result;
                if (plainUsed == PLAIN_CAPACITY) {
                    plainUsed = deliver(s, plainUsed);
                    if (s.isClosed()) {
                        return;
                    }
                    if (s.inputPaused()) {
                        // Paused inside onData: keep the rest (ciphertext here, plaintext inside the SSL).
                        hold(s, in, left);
                        return;
                    }
                }
                continue;
            }
            if (error == SSL.SSL_ERROR_WANT_READ || error == SSL.SSL_ERROR_WANT_WRITE) {
                // WANT_READ: everything fed was consumed; WANT_WRITE: output was flushed above, go on.
                if (left == 0 && error == SSL.SSL_ERROR_WANT_READ) {
                    deliver(s, plainUsed);
                    return;
                }
                if (left == before && ++stalls > 2) {
                    failed(s, handshaking, "the TLS library stopped consuming input with " + left + " bytes left");
                    return;
                }
                continue;
            }
            if (error == SSL.SSL_ERROR_ZERO_RETURN && !handshaking) {
                // close_notify: deliver what came before it, then it is the peer's end of stream.
                deliver(s, plainUsed);
                if (!s.isClosed()) {
                    s.endOfStream();
                }
                return;
            }
            String reason = lastError(error);
            if (!handshaking) {
                deliver(s, plainUsed);
                if (s.isClosed()) {
                    return;
                }
            }
            failed(s, handshaking, reason);
            return;
        }
    }

    /** Hands {@code used} bytes of the plaintext buffer to onData; returns 0 (the new fill level). */
    private int deliver(TlsSocket s, int used) {
        if (used > 0) {
            plainView.limit(used).position(0);
            s.deliver(plainView);
        }
        return 0;
    }

    /** Ends the socket for a failed handshake (with the most specific reason recorded) or a TLS error after it. */
    private void failed(TlsSocket s, boolean handshaking, String reason) {
        Object failure = s.failure;
        if (failure instanceof Throwable t) {
            System.getLogger("io.usockets").log(System.Logger.Level.WARNING,
                    "onServerName threw; the TLS handshake fails", t);
            s.fail(CloseCode.CALLBACK_FAILED, t);
            return;
        }
        if (handshaking) {
            boolean verify = (s.tlsFlags & TlsSocket.VERIFY_FAILED) != 0;
            CloseCode code = verify || reason.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")
                    || reason.contains("CERTIFICATE_REQUIRED") ? CloseCode.TLS_VERIFY_FAILED
                    : CloseCode.TLS_HANDSHAKE_FAILED;
            String why = verify ? "TLS peer verification failed: " + failure
                    : "TLS handshake failed: " + (failure != null ? failure + " (" + reason + ")" : reason);
            s.fail(code, why);
        } else {
            s.close(CloseCode.OTHER, "TLS error: " + reason);
        }
    }

    private static String lastError(int error) {
        int number = SSL.getLastErrorNumber();
        String text = number != 0 ? SSL.getErrorString(number) : "SSL error " + error;
        SSL.clearError();
        return text;
    }

    // ---------------------------------------------------------------- output

    /**
     * Plaintext from {@code write} or {@code write2} (header non-null): sends the backlog first, then seals the
     * header (more to come) and the payload. Returns the plaintext bytes sealed; 0 while a backlog remains.
     */
    long send(TlsSocket s, ByteBuffer header, ByteBuffer payload, boolean msgMore) {
        long taken = 0;
        if (header != null && header.hasRemaining()) {
            if (!drain(s)) {
                return 0;
            }
            taken = seal(s, header, true);
            if (header.hasRemaining() || s.isClosed()) {
                return taken;
            }
        }
        if (!payload.hasRemaining() || !drain(s)) {
            return taken;
        }
        return taken + seal(s, payload, msgMore);
    }

    /**
     * Seals {@code data} into records, at most four per kernel write, and writes them; stops when the kernel leaves
     * a backlog. The source is read in place when direct, else copied through the scratch buffer a record at a time.
     * Advances {@code data} by the plaintext bytes taken and returns them.
     */
    private int seal(TlsSocket s, ByteBuffer data, boolean msgMore) {
        long base = data == plainView ? plainAddress : data.isDirect() ? Buffer.address(data) : 0;
        int offset = data.position();
        int length = data.remaining();
        int taken = 0;
        while (taken < length) {
            SSL.bioSetByteBuffer(s.bio, cipherAddress, CIPHER_CAPACITY, true);
            int produced = 0;
            int error = 0;
            while (taken < length && CIPHER_CAPACITY - produced >= RECORD_PLAINTEXT + RECORD_OVERHEAD) {
                int chunk = Math.min(length - taken, RECORD_PLAINTEXT);
                long source;
                if (base != 0) {
                    source = base + offset + taken;
                } else {
                    scratch.put(0, data, offset + taken, chunk);
                    source = scratchAddress;
                }
                int n = SSL.writeToSSL(s.ssl, source, chunk);
                if (n <= 0) {
                    error = SSL.getError(s.ssl, n);
                    break;
                }
                taken += n;
                produced = CIPHER_CAPACITY - SSL.bioLengthByteBuffer(s.bio);
            }
            produced = CIPHER_CAPACITY - SSL.bioLengthByteBuffer(s.bio);
            SSL.bioClearByteBuffer(s.bio);
            writeRecords(s, produced, msgMore || taken < length);
            if (s.isClosed()) {
                if (error != 0) {
                    SSL.clearError();
                }
                break;
            }
            if (error != 0) {
                s.close(CloseCode.OTHER, "TLS error while writing: " + lastError(error));
                break;
            }
            if (hasBacklog(s)) {
                break;
            }
        }
        data.position(offset + taken);
        return taken;
    }

    /**
     * Output may flow: with {@code end}, close_notify is queued first (not during the handshake, which ends with a
     * bare FIN); then the backlog is sent. Returns whether no backlog remains.
     */
    boolean flush(TlsSocket s, boolean end) {
        if (end) {
            if (s.handshaking() || s.ssl == 0) {
                return true;
            }
            closeNotify(s);
            if (s.isClosed()) {
                return true;
            }
        }
        return drain(s);
    }

    /** Writes close_notify (behind any backlog); the only place it is produced. */
    private void closeNotify(TlsSocket s) {
        SSL.bioSetByteBuffer(s.bio, cipherAddress, CIPHER_CAPACITY, true);
        SSL.shutdownSSL(s.ssl);
        int produced = CIPHER_CAPACITY - SSL.bioLengthByteBuffer(s.bio);
        SSL.bioClearByteBuffer(s.bio);
        SSL.clearError();
        writeRecords(s, produced, false);
    }

    /** Sends what the SSL produced outside SSL_write (handshake flights, tickets, alerts); false if closed. */
    private boolean flushHandshakeOutput(TlsSocket s) {
        while (SSL.bioLengthNonApplication(s.bio) > 0) {
            SSL.bioSetByteBuffer(s.bio, cipherAddress, CIPHER_CAPACITY, true);
            int n = SSL.bioFlushByteBuffer(s.bio);
            SSL.bioClearByteBuffer(s.bio);
            if (n <= 0) {
                break;
            }
            writeRecords(s, n, false);
            if (s.isClosed()) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code n} bytes of the ciphertext buffer, behind the backlog if there is one; keeps what is not taken. */
    private void writeRecords(TlsSocket s, int n, boolean msgMore) {
        if (n <= 0) {
            return;
        }
        cipher.clear().limit(n);
        if (hasBacklog(s)) {
            s.backlog = append(s.backlog, cipher, 0, n);
            return;
        }
        s.transmitRecords(cipher, msgMore);
        if (!s.isClosed() && cipher.hasRemaining()) {
            s.backlog = append(s.backlog, cipher, cipher.position(), cipher.remaining());
        }
    }

    /** Sends the backlog; true when none is left (with preferLowMemory its buffer is then dropped). */
    private boolean drain(TlsSocket s) {
        ByteBuffer backlog = s.backlog;
        if (backlog == null || !backlog.hasRemaining()) {
            return true;
        }
        s.transmitRecords(backlog, false);
        if (s.isClosed() || backlog.hasRemaining()) {
            return false;
        }
        if (s.config.preferLowMemory) {
            s.backlog = null;
        } else {
            backlog.clear().limit(0);
        }
        return true;
    }

    private static boolean hasBacklog(TlsSocket s) {
        return s.backlog != null && s.backlog.hasRemaining();
    }

    /**
     * Appends {@code length} bytes of {@code source} at {@code offset} to {@code queue} (its bytes in [position,
     * limit), null for none), compacting it or moving it into a bigger direct buffer when they do not fit after it;
     * returns the queue that holds them. The one growth rule of the backlog and the held input.
     */
    private static ByteBuffer append(ByteBuffer queue, ByteBuffer source, int offset, int length) {
        int kept = queue == null ? 0 : queue.remaining();
        if (queue == null || queue.capacity() < kept + length) {
            ByteBuffer grown = ByteBuffer.allocateDirect(Math.max(kept + length, CIPHER_CAPACITY));
            if (queue != null) {
                grown.put(queue);
            }
            queue = grown.flip();
        } else if (queue.capacity() - queue.limit() < length) {
            queue.compact().flip();
        }
        int end = queue.limit();
        queue.limit(end + length);
        queue.put(end, source, offset, length);
        return queue;
    }

    // ---------------------------------------------------------------- closing

    /** The socket closed: its queues go, and its SSL is freed now or right after the native call that is running. */
    void closed(TlsSocket s) {
        s.backlog = null;
        s.held = null;
        if ((s.tlsFlags & TlsSocket.IN_SSL) != 0) {
            s.tlsFlags |= TlsSocket.FREE_PENDING;
            return;
        }
        freeIfClosed(s);
    }

    private static void freeIfClosed(TlsSocket s) {
        if (s.ssl != 0 && s.isClosed()) {
            long ssl = s.ssl;
            s.ssl = 0;
            s.bio = 0;
            s.config.freeSsl(ssl);
        }
    }
}
