package io.usockets.ssl;

import io.netty.internal.tcnative.Buffer;
import io.usockets.Loop;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What the TLS layer keeps once per loop (µSockets' loop_ssl_data): the direct buffers every TLS socket of the loop
 * shares — ciphertext out, plaintext in (handed to onData), plaintext scratch for heap and array writes — the socket
 * whose {@code SSL} call is running (so native callbacks find it without a lookup), and a count of handshake reads.
 *
 * <p>Single-threaded: used only on its loop's thread; the registry that maps a loop to its state is synchronized
 * and consulted only when a context is created.
 */
final class TlsLoopState {

    /** The most plaintext one TLS record carries. */
    static final int RECORD_PLAINTEXT = 16 * 1024;
    /** Room for the header, padding and tag of one record, with margin. */
    static final int RECORD_OVERHEAD = 512;
    /** Ciphertext buffer: four full records per kernel write. */
    static final int CIPHER_CAPACITY = 4 * (RECORD_PLAINTEXT + RECORD_OVERHEAD);
    /** Plaintext delivered to onData at most at once. */
    static final int PLAIN_CAPACITY = 64 * 1024;

    private static final Map<Loop, TlsLoopState> BY_LOOP = Collections.synchronizedMap(new WeakHashMap<>());

    final ByteBuffer cipher = ByteBuffer.allocateDirect(CIPHER_CAPACITY);
    final long cipherAddress = Buffer.address(cipher);
    final ByteBuffer plain = ByteBuffer.allocateDirect(PLAIN_CAPACITY);
    final long plainAddress = Buffer.address(plain);
    /** The read-only view of {@link #plain} given to onData; its bounds are set per delivery. */
    final ByteBuffer plainView = plain.asReadOnlyBuffer();
    final ByteBuffer scratch = ByteBuffer.allocateDirect(RECORD_PLAINTEXT);
    final long scratchAddress = Buffer.address(scratch);

    /** The receive view last seen and its address, so the address lookup runs once per loop, not per read. */
    ByteBuffer lastView;
    long lastViewAddress;
    /** The socket whose SSL call is running, for the certificate and verify callbacks. */
    TlsSocket current;
    /** Reads of sockets still handshaking, ever (the budget test compares it per iteration). */
    long handshakeReads;

    private TlsLoopState() {
    }

    /** The state of {@code loop}, created on first use. */
    static TlsLoopState of(Loop loop) {
        return BY_LOOP.computeIfAbsent(loop, l -> new TlsLoopState());
    }

    /** The state of {@code loop} if a TLS context was ever created on it, else null. */
    static TlsLoopState peek(Loop loop) {
        return BY_LOOP.get(loop);
    }
}
