package io.usockets.examples;

import io.usockets.CloseCode;
import io.usockets.Loop;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.Timer;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 load generator in the spirit of µSockets' {@code http_load_test}: {@code --connections} keep-alive
 * connections, each with {@code --pipeline} GET requests in flight; every complete response is counted and
 * answered with a new request. A {@link Timer} ends the run after {@code --duration} seconds, and the result is one
 * line {@code requests/s: N}, plus {@code errors: N} when connects failed or connections closed early. With
 * {@code --warmup S} the load runs S seconds first, uncounted, so that both ends are warm (a JIT-compiled client and
 * server) when the measured seconds begin; a line on standard error marks that moment.
 *
 * <p>Unlike the C tool, which counts each {@code on_data} chunk as one response, responses are framed by their
 * Content-Length, so split and coalesced responses count correctly. Chunked responses are not understood (a
 * response without Content-Length counts as bodiless). Closed connections are not reopened; when none is left the
 * run ends early. Everything runs on the calling thread, which becomes the loop thread.
 */
public final class HttpLoad {

    /** The outcome of a run. */
    public record Result(long requestsPerSecond, long responses, long errors, double seconds) {
    }

    /** Per-connection state: requests owed behind a short write, and the response parser. */
    static final class Connection extends RepeatedMessage.Owed {
        final ResponseCounter responses = new ResponseCounter();
    }

    private final ExampleOptions options;
    private final PrintStream err;
    private final RepeatedMessage request;
    private final int pipeline;

    private Loop loop;
    private SocketContext<Void, Connection> context;
    private Timer<Void> timer;
    private int live;
    private boolean finished;
    private boolean warmingUp;
    private long responses;
    private long errors;
    private long startNanos;
    private long endNanos;

    private HttpLoad(ExampleOptions options, PrintStream err) {
        this.options = options;
        this.err = err;
        this.pipeline = options.pipeline();
        String hostHeader = options.host().indexOf(':') >= 0 ? "[" + options.host() + "]" : options.host();
        String text = "GET / HTTP/1.1\r\nHost: " + hostHeader + ":" + options.port() + "\r\n\r\n";
        this.request = new RepeatedMessage(text.getBytes(StandardCharsets.US_ASCII), options.pipeline());
    }

    /**
     * Runs the load on the calling thread for the configured duration, prints {@code requests/s: N} (and
     * {@code errors: N} if any) to {@code out} and the first error's detail to {@code err}, and returns the result.
     */
    public static Result run(ExampleOptions options, PrintStream out, PrintStream err) {
        options.contextOptions();
        Result result = new HttpLoad(options, err).runLoop();
        out.println("requests/s: " + result.requestsPerSecond());
        if (result.errors() > 0) {
            out.println("errors: " + result.errors());
        }
        out.flush();
        return result;
    }

    /** The command-line entry: runs, prints the result and returns 0. */
    static int main(ExampleOptions options, PrintStream out, PrintStream err) {
        run(options, out, err);
        return 0;
    }

    private Result runLoop() {
        loop = Loop.create(options.loopOptions());
        try {
            context = loop.createSocketContext(options.contextOptions());
            context.onOpen(this::onOpen)
                    .onData(this::onData)
                    .onWritable(this::onWritable)
                    .onEnd(Socket::close)
                    .onClose(this::onClose)
                    .onConnectError(this::onConnectError);
            timer = loop.createTimer(false);
            warmingUp = options.warmupSeconds() > 0;
            timer.set(t -> tick(), (warmingUp ? options.warmupSeconds() : options.durationSeconds()) * 1000L, 0);
            for (int i = 0; i < options.connections(); i++) {
                Socket<Connection> socket = context.connect(options.host(), options.port());
                socket.setExt(new Connection());
                live++;
            }
            startNanos = System.nanoTime();
            loop.run();
        } finally {
            if (!loop.isFreed()) {
                loop.free();
            }
        }
        if (endNanos == 0) {
            endNanos = System.nanoTime();
        }
        double seconds = Math.max(1e-9, (endNanos - startNanos) / 1e9);
        return new Result(Math.round(responses / seconds), responses, errors, seconds);
    }

    private void onOpen(Socket<Connection> socket, boolean isClient) {
        Connection connection = socket.ext();
        connection.count = pipeline;
        request.writeOwed(socket, connection);
    }

    private void onData(Socket<Connection> socket, ByteBuffer data) {
        Connection connection = socket.ext();
        int complete = connection.responses.count(data);
        if (complete == 0 || finished) {
            return;
        }
        responses += complete;
        boolean writeBlocked = connection.count > 0;
        connection.count += complete;
        if (!writeBlocked) {
            request.writeOwed(socket, connection);
        }
    }

    private void onWritable(Socket<Connection> socket) {
        Connection connection = socket.ext();
        if (connection != null) {
            request.writeOwed(socket, connection);
        }
    }

    private void onClose(Socket<Connection> socket, CloseCode code, Object reason) {
        lost("connection closed", code, reason);
    }

    private void onConnectError(Socket<Connection> socket, CloseCode code, Object reason) {
        lost("connect failed", code, reason);
    }

    /** Counts a connection that closed or failed to connect; ends the run when none is left. */
    private void lost(String what, CloseCode code, Object reason) {
        live--;
        if (finished) {
            return;
        }
        if (errors++ == 0) {
            err.println("http-load: " + options.host() + ":" + options.port() + ": " + what + ": " + code
                    + (reason == null ? "" : " (" + reason + ")"));
        }
        if (live == 0) {
            err.println("http-load: no connection left; ending early");
            finish();
        }
    }

    /** The timer: the end of the warm-up (measuring starts from zero) or of the run. */
    private void tick() {
        if (!warmingUp) {
            finish();
            return;
        }
        warmingUp = false;
        responses = 0;
        startNanos = System.nanoTime();
        err.println("http-load: warm-up over; measuring for " + options.durationSeconds() + " s");
        err.flush();
        timer.set(t -> tick(), options.durationSeconds() * 1000L, 0);
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        endNanos = System.nanoTime();
        timer.close();
        context.close();
        loop.free();
    }

    /**
     * Counts complete HTTP/1.1 responses in a byte stream that may split or coalesce them, by their
     * Content-Length header; allocation-free, one per connection.
     */
    static final class ResponseCounter {
        private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
        private static final long MAX_CONTENT_LENGTH = 1L << 50;

        private boolean inBody;
        private long bodyLeft;
        /** Bytes of the current header line so far, carriage returns not counted. */
        private int lineLength;
        /** Bytes of {@code content-length:} matched at the line start; -1 once the line cannot be that header. */
        private int nameMatched;
        /** The current response's Content-Length; -1 until its header is seen. */
        private long contentLength = -1;

        /** Consumes {@code data} (without moving its position) and returns how many responses it completed. */
        int count(ByteBuffer data) {
            int complete = 0;
            int i = data.position();
            int end = data.limit();
            while (i < end) {
                if (inBody) {
                    int skip = (int) Math.min(bodyLeft, end - i);
                    i += skip;
                    bodyLeft -= skip;
                    if (bodyLeft == 0) {
                        inBody = false;
                        complete++;
                    }
                    continue;
                }
                byte b = data.get(i++);
                if (b == '\n') {
                    if (lineLength == 0) {
                        // The blank line: headers are over.
                        long length = Math.max(0, contentLength);
                        contentLength = -1;
                        if (length == 0) {
                            complete++;
                        } else {
                            inBody = true;
                            bodyLeft = length;
                        }
                    }
                    lineLength = 0;
                    nameMatched = 0;
                } else if (b != '\r') {
                    lineLength++;
                    if (nameMatched == CONTENT_LENGTH.length) {
                        if (b >= '0' && b <= '9' && contentLength < MAX_CONTENT_LENGTH) {
                            contentLength = contentLength * 10 + (b - '0');
                        }
                    } else if (nameMatched >= 0) {
                        int lower = b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
                        if (lower == CONTENT_LENGTH[nameMatched]) {
                            if (++nameMatched == CONTENT_LENGTH.length) {
                                contentLength = 0;
                            }
                        } else {
                            nameMatched = -1;
                        }
                    }
                }
            }
            return complete;
        }
    }
}
