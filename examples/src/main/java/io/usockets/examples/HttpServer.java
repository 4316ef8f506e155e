package io.usockets.examples;

import io.usockets.CloseCode;
import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * µSockets' {@code http_server} example: answers every HTTP/1.1 request with one fixed page over keep-alive
 * connections, allocating nothing per request.
 *
 * <p>Like the C example it does not parse HTTP: it only counts request ends ({@code \r\n\r\n}), so requests are
 * assumed to have no body. It differs in two places, both so that pipelining works: the C example answers each
 * {@code on_data} chunk once (two pipelined requests in one segment get one answer, a request split over two
 * segments gets two), and its short-write offset is overwritten by the next chunk; here each request end is answered
 * once, and answers owed behind a short write queue up as a count. After {@value #MAX_OWED} unanswered requests the
 * socket stops reading until the client catches up.
 *
 * <p>Per socket: a 30 s timeout, re-armed on data, that closes the socket; the peer's half-close closes it too
 * (HTTP does not use half-closed connections).
 *
 * <p>{@code --response-size N} answers with a body of N bytes instead of the page (the bench's send-size sweep); the
 * response is made once at start, in direct memory, and every loop writes from it. {@code --threads N} runs the
 * server on N loops sharing the port (see {@link Running}), one instance of this class per loop.
 */
public final class HttpServer {

    /** The page every request gets. */
    static final String BODY = "<html><body><h1>Why hello there!</h1></body></html>";
    /** The whole response, with the Content-Length of {@link #BODY}. */
    static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: "
            + BODY.getBytes(StandardCharsets.US_ASCII).length + "\r\n\r\n" + BODY;

    /** Seconds of silence after which a socket is closed. */
    static final int IDLE_TIMEOUT_SECONDS = 30;
    /** Answers owed behind a short write beyond which the socket stops reading. */
    static final int MAX_OWED = 4096;
    /** Copies of the response written per call at most. */
    private static final int COPIES = 64;
    /** The memory the copies of a response may take: large responses get fewer copies (at least one). */
    private static final int COPIES_BYTES = 1024 * 1024;

    private static final byte[] REQUEST_END = {'\r', '\n', '\r', '\n'};

    /**
     * Per-socket state: the answers owed, and how much of a request end the last chunk ended with. A socket gets one
     * only when it first needs it (a request split across reads, or a short write); until then its extension is null,
     * so an idle keep-alive connection costs the application nothing.
     */
    static final class HttpSocket extends RepeatedMessage.Owed {
        /** Bytes of {@code \r\n\r\n} matched at the end of the data so far. */
        int endMatched;
        /** Whether reading is paused because too many answers are owed. */
        boolean paused;
    }

    /** This loop's view of the response's copies. */
    private final RepeatedMessage response;
    /** What a socket without state owes while its answers are written; one per loop (single-threaded). */
    private final RepeatedMessage.Owed scratch = new RepeatedMessage.Owed();

    private HttpServer(RepeatedMessage response) {
        this.response = response;
    }

    /** Starts the server on its loops' threads and returns once every loop listens (after printing the port line). */
    public static Running start(ExampleOptions options, PrintStream out) {
        byte[] message = response(options.responseSize());
        int copies = Math.max(1, Math.min(COPIES, COPIES_BYTES / message.length));
        RepeatedMessage shared = new RepeatedMessage(message, copies);
        String host = options.host();
        return Running.start("http-server", options, out, (loop, contextOptions, port) ->
                new HttpServer(shared.forAnotherLoop()).listen(loop, contextOptions, host, port));
    }

    /**
     * The whole response to every request: the hello page for a negative {@code bodySize}, else a body of exactly
     * {@code bodySize} bytes of the letters a to z over and over, with its Content-Length.
     */
    static byte[] response(int bodySize) {
        if (bodySize < 0) {
            return RESPONSE.getBytes(StandardCharsets.US_ASCII);
        }
        if (bodySize > ExampleOptions.MAX_RESPONSE_SIZE) {
            throw new IllegalArgumentException("response body of " + bodySize + " bytes; expected 0 to "
                    + ExampleOptions.MAX_RESPONSE_SIZE);
        }
        byte[] header = ("HTTP/1.1 200 OK\r\nContent-Length: " + bodySize + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + bodySize];
        System.arraycopy(header, 0, all, 0, header.length);
        for (int i = 0; i < bodySize; i++) {
            all[header.length + i] = (byte) ('a' + i % 26);
        }
        return all;
    }

    /** The command-line entry: serves until SIGTERM or SIGINT; returns the exit code. */
    static int main(ExampleOptions options, PrintStream out, PrintStream err) {
        return start(options, out).serveUntilSignalled(err);
    }

    private ListenSocket listen(Loop loop, SocketContextOptions contextOptions, String host, int port) {
        SocketContext<Void, HttpSocket> context = loop.createSocketContext(contextOptions);
        context.onOpen(this::onOpen)
                .onData(this::onData)
                .onWritable(this::onWritable)
                .onTimeout(HttpServer::onTimeout)
                .onEnd(HttpServer::onEnd)
                .onClose((socket, code, reason) -> { });
        return context.listen(host, port);
    }

    private void onOpen(Socket<HttpSocket> socket, boolean isClient) {
        socket.timeout(IDLE_TIMEOUT_SECONDS);
    }

    /** The socket's state, created on first need. */
    private static HttpSocket state(Socket<HttpSocket> socket) {
        HttpSocket state = socket.ext();
        if (state == null) {
            state = new HttpSocket();
            socket.setExt(state);
        }
        return state;
    }

    private void onData(Socket<HttpSocket> socket, ByteBuffer data) {
        HttpSocket state = socket.ext();
        int matched = state == null ? 0 : state.endMatched;
        int requests = 0;
        for (int i = data.position(), end = data.limit(); i < end; i++) {
            byte b = data.get(i);
            if (b == REQUEST_END[matched]) {
                if (++matched == REQUEST_END.length) {
                    requests++;
                    matched = 0;
                }
            } else {
                matched = b == '\r' ? 1 : 0;
            }
        }
        socket.timeout(IDLE_TIMEOUT_SECONDS);
        if (state == null) {
            // The common case: whole requests, nothing owed. Answer them; keep state only if something is left.
            boolean written = true;
            if (requests > 0) {
                scratch.count = requests;
                scratch.offset = 0;
                written = response.writeOwed(socket, scratch);
            }
            if (matched == 0 && written) {
                return;
            }
            state = state(socket);
            state.endMatched = matched;
            state.count = written ? 0 : scratch.count;
            state.offset = written ? 0 : scratch.offset;
            return;
        }
        state.endMatched = matched;
        if (requests == 0) {
            return;
        }
        boolean writeBlocked = state.count > 0;
        state.count += requests;
        if (!writeBlocked) {
            response.writeOwed(socket, state);
        }
        // Otherwise a short write is pending and onWritable sends these after it.
        if (state.count > MAX_OWED && !state.paused) {
            state.paused = true;
            socket.pauseReading();
        }
    }

    private void onWritable(Socket<HttpSocket> socket) {
        HttpSocket state = socket.ext();
        if (state == null) {
            return;
        }
        if (response.writeOwed(socket, state) && state.paused) {
            state.paused = false;
            socket.resumeReading();
        }
    }

    private static void onTimeout(Socket<HttpSocket> socket) {
        socket.close(CloseCode.TIMED_OUT, "idle for " + IDLE_TIMEOUT_SECONDS + " s");
    }

    private static void onEnd(Socket<HttpSocket> socket) {
        socket.close();
    }
}
