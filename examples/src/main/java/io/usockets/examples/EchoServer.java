package io.usockets.examples;

import io.usockets.CloseCode;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;

import java.io.PrintStream;
import java.nio.ByteBuffer;

/**
 * µSockets' {@code echo_server} example: writes every byte it receives back to its sender.
 *
 * <p>What the kernel does not take is copied into the socket's own buffer and reading pauses
 * ({@link Socket#pauseReading()}) until onWritable has drained it, so a client that sends faster than it reads
 * costs the server one receive chunk of memory, not an unbounded queue. The peer's half-close closes the socket
 * once everything owed is written; a 30 s timeout, re-armed on data and on write progress, closes an idle one.
 *
 * <p>With {@code --threads N} it runs on N loops sharing the port (see {@link Running}); one instance per loop.
 */
public final class EchoServer {

    /** Seconds of silence after which a socket is closed. */
    static final int IDLE_TIMEOUT_SECONDS = 30;

    private static final int MIN_PENDING_CAPACITY = 16 * 1024;

    /** Per-socket state: the bytes not yet echoed (in write mode; null when none), and whether the peer ended. */
    static final class EchoSocket {
        /** Bytes received but not yet written back, between 0 and position; null when nothing is owed. */
        ByteBuffer pending;
        /** Whether the peer half-closed: close once {@link #pending} is drained. */
        boolean ended;
    }

    private EchoServer() {
    }

    /** Starts the server on its own loop thread and returns once it listens (after printing the port line). */
    public static Running start(ExampleOptions options, PrintStream out) {
        String host = options.host();
        return Running.start("echo-server", options, out,
                (loop, contextOptions, port) -> new EchoServer().listen(loop, contextOptions, host, port));
    }

    /** The command-line entry: serves until SIGTERM or SIGINT; returns the exit code. */
    static int main(ExampleOptions options, PrintStream out, PrintStream err) {
        return start(options, out).serveUntilSignalled(err);
    }

    private ListenSocket listen(Loop loop, SocketContextOptions contextOptions, String host, int port) {
        SocketContext<Void, EchoSocket> context = loop.createSocketContext(contextOptions);
        context.onOpen(EchoServer::onOpen)
                .onData(EchoServer::onData)
                .onWritable(EchoServer::onWritable)
                .onTimeout(EchoServer::onTimeout)
                .onEnd(EchoServer::onEnd)
                .onClose((socket, code, reason) -> { });
        return context.listen(host, port);
    }

    private static void onOpen(Socket<EchoSocket> socket, boolean isClient) {
        socket.setExt(new EchoSocket());
        socket.timeout(IDLE_TIMEOUT_SECONDS);
    }

    private static void onData(Socket<EchoSocket> socket, ByteBuffer data) {
        EchoSocket state = socket.ext();
        socket.timeout(IDLE_TIMEOUT_SECONDS);
        if (state.pending != null) {
            // Still draining (data that arrived in the same iteration as the pause): keep the order.
            keep(state, data);
            return;
        }
        socket.write(data, false);
        if (data.hasRemaining() && !socket.isClosed()) {
            keep(state, data);
            socket.pauseReading();
        }
    }

    private static void onWritable(Socket<EchoSocket> socket) {
        EchoSocket state = socket.ext();
        ByteBuffer pending = state == null ? null : state.pending;
        if (pending == null) {
            return;
        }
        pending.flip();
        int written = socket.write(pending, false);
        pending.compact();
        if (written > 0) {
            socket.timeout(IDLE_TIMEOUT_SECONDS);
        }
        if (pending.position() == 0) {
            state.pending = null;
            if (state.ended) {
                socket.close();
            } else {
                socket.resumeReading();
            }
        }
    }

    private static void onTimeout(Socket<EchoSocket> socket) {
        socket.close(CloseCode.TIMED_OUT, "idle for " + IDLE_TIMEOUT_SECONDS + " s");
    }

    private static void onEnd(Socket<EchoSocket> socket) {
        EchoSocket state = socket.ext();
        if (state == null || state.pending == null) {
            socket.close();
        } else {
            state.ended = true;
        }
    }

    /** Appends what is left of {@code data} to the socket's pending bytes, growing the buffer when needed. */
    private static void keep(EchoSocket state, ByteBuffer data) {
        ByteBuffer pending = state.pending;
        if (pending == null) {
            pending = ByteBuffer.allocate(Math.max(MIN_PENDING_CAPACITY, data.remaining()));
        } else if (pending.remaining() < data.remaining()) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(pending.capacity() * 2,
                    pending.position() + data.remaining()));
            pending.flip();
            larger.put(pending);
            pending = larger;
        }
        pending.put(data);
        state.pending = pending;
    }
}
