package io.usockets.tests.fuzz;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.nio.ByteBuffer;

/**
 * The real TLS stack at the other end of a scripted connection: a JDK {@link SSLEngine} that echoes every byte of
 * plaintext it receives. The scripted kernel relays between it and our socket, and the fuzzer's input decides the
 * segmentation, the delays, resets and which byte gets corrupted on the way to us. Raw random bytes would never get
 * past a handshake; this way the fuzzer reaches our TLS layer's data path.
 */
final class TlsPeer {

    private static final int MAX_PENDING = 256 * 1024;

    private final SSLEngine engine;
    /** Ciphertext the peer produced for our socket, in [position, limit) after flip-less use: see {@link #take}. */
    private ByteBuffer toUs = ByteBuffer.allocate(64 * 1024).flip();
    /** Ciphertext our socket wrote, not yet unwrapped by the peer (write mode). */
    private ByteBuffer fromUs = ByteBuffer.allocate(64 * 1024);
    /** Plaintext received, waiting to be echoed (write mode). */
    private ByteBuffer echo = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer plain = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer net = ByteBuffer.allocate(64 * 1024);
    /** The peer sent its FIN (after close_notify, or on a failure): our reads end once {@link #toUs} is drained. */
    boolean finished;
    /** Our side sent FIN. */
    private boolean ourFin;

    TlsPeer(SSLEngine engine) {
        this.engine = engine;
    }

    /** Bytes waiting for our socket to read. */
    int pending() {
        return toUs.remaining();
    }

    /** Copies up to {@code max} pending bytes into {@code into}; returns the count. */
    int take(ByteBuffer into, int max) {
        int n = Math.min(max, Math.min(toUs.remaining(), into.remaining()));
        ByteBuffer slice = toUs.slice(toUs.position(), n);
        into.put(slice);
        toUs.position(toUs.position() + n);
        return n;
    }

    /** Our socket wrote {@code n} bytes from {@code source}: they travel to the peer. */
    void receive(ByteBuffer source, int n) {
        if (fromUs.remaining() < n) {
            fromUs = grow(fromUs, n);
        }
        fromUs.put(source.slice(source.position(), n));
    }

    /** Our socket sent FIN. */
    void ourFin() {
        ourFin = true;
    }

    /**
     * Runs the peer: unwraps what our socket sent, runs the engine's tasks, echoes the plaintext and sends whatever
     * the engine wants to send. A TLS failure (our record was bad) makes the peer send its alert and FIN.
     */
    void pump() {
        if (finished) {
            return;
        }
        try {
            for (int round = 0; round < 64; round++) {
                boolean progress = unwrap();
                runTasks();
                progress |= wrap();
                if (!progress) {
                    break;
                }
            }
            if (ourFin && fromUs.position() == 0 && !engine.isInboundDone()) {
                // FIN without close_notify: the JDK calls it a truncation and closes.
                try {
                    engine.closeInbound();
                } catch (SSLException truncated) {
                    // Expected when our side did not send close_notify.
                }
                engine.closeOutbound();
                wrap();
                finished = true;
            } else if (engine.isInboundDone() && engine.isOutboundDone()) {
                finished = true;
            }
        } catch (SSLException | RuntimeException e) {
            engine.closeOutbound();
            try {
                wrap();
            } catch (SSLException | RuntimeException again) {
                // No alert then: just the FIN.
            }
            finished = true;
        }
    }

    private boolean unwrap() throws SSLException {
        boolean progress = false;
        fromUs.flip();
        try {
            while (fromUs.hasRemaining() && !engine.isInboundDone()) {
                plain.clear();
                SSLEngineResult r = engine.unwrap(fromUs, plain);
                plain.flip();
                if (plain.hasRemaining()) {
                    if (echo.remaining() < plain.remaining()) {
                        echo = grow(echo, plain.remaining());
                    }
                    echo.put(plain);
                }
                if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                    break;
                }
                progress = true;
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
            }
            if (engine.isInboundDone()) {
                engine.closeOutbound();
            }
        } finally {
            fromUs.compact();
        }
        return progress;
    }

    private boolean wrap() throws SSLException {
        boolean progress = false;
        for (int round = 0; round < 64; round++) {
            echo.flip();
            net.clear();
            SSLEngineResult r;
            try {
                r = engine.wrap(echo, net);
            } finally {
                echo.compact();
            }
            net.flip();
            if (net.hasRemaining()) {
                append(net);
            }
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runTasks();
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                break;
            }
            progress = true;
            if (r.getStatus() == SSLEngineResult.Status.CLOSED && r.bytesProduced() == 0) {
                break;
            }
        }
        return progress;
    }

    private void append(ByteBuffer bytes) {
        if (toUs.remaining() + bytes.remaining() > MAX_PENDING) {
            // Our socket reads too slowly for the script: drop the connection's output, as a full buffer would block.
            throw new IllegalStateException("peer output full");
        }
        toUs.compact();
        if (toUs.remaining() < bytes.remaining()) {
            toUs = grow(toUs, bytes.remaining());
        }
        toUs.put(bytes).flip();
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** A copy of {@code b} (write mode) with room for {@code extra} more bytes. */
    private static ByteBuffer grow(ByteBuffer b, int extra) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + extra));
        bigger.put(b.flip());
        return bigger;
    }
}
