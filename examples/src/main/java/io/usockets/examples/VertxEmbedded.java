package io.usockets.examples;

import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.examples.ExampleOptions.UsageException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.transport.Transport;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code vertx-embedded} example: one Vert.x application whose single event loop serves both an HTTP route
 * ({@code /count} on {@code --port}: GET reads the counter, POST adds one) and a raw us_* TCP server
 * ({@code --tcp-port}, a line protocol: {@code INC} adds one and answers the new value, {@code GET} answers the
 * value). Both paths share one plain {@code long}, with no lock or atomic: the us_* loop is created with the
 * Vert.x context as its hint, so its callbacks run on that context's event-loop thread, inside that context.
 *
 * <p>Every us_* callback checks that it runs on the event-loop thread with {@code Vertx.currentContext()} equal to
 * the hint; {@link #callbacks()} and {@link #callbacksOutsideTheContext()} report what it saw (the test pins 0).
 */
public final class VertxEmbedded implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);

    /** The counter both servers share; touched only on the event-loop thread. */
    private long counter;

    private final Vertx vertx;
    private final Context context;
    private Thread eventLoopThread;
    private Loop loop;
    private SocketContext<Void, StringBuilder> lines;
    private HttpServer http;
    private int httpPort;
    private int tcpPort;
    private final AtomicLong callbacks = new AtomicLong();
    private final AtomicLong outside = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private VertxEmbedded(Vertx vertx) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
    }

    /**
     * Starts Vert.x with one event loop (epoll for {@code --backend vertx-epoll}, else NIO), the HTTP server and the
     * us_* server on it, prints one {@code Listening on port N} line per server and returns once both listen.
     */
    public static VertxEmbedded start(ExampleOptions options, PrintStream out) {
        String backend = options.backend();
        if (backend != null && !backend.equals("vertx") && !backend.equals("vertx-epoll")) {
            throw new UsageException("vertx-embedded runs on backend vertx or vertx-epoll, not '" + backend + "'");
        }
        options.contextOptions();
        Transport transport = "vertx-epoll".equals(backend) ? Transport.EPOLL : Transport.NIO;
        Vertx vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(1)).withTransport(transport).build();
        VertxEmbedded app = new VertxEmbedded(vertx);
        CompletableFuture<Void> listening = new CompletableFuture<>();
        app.context.runOnContext(v -> app.listen(options, listening));
        try {
            listening.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            app.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("vertx-embedded failed to start: " + cause, cause);
        }
        out.println("Listening on port " + app.httpPort);
        out.println("Listening on port " + app.tcpPort);
        out.flush();
        return app;
    }

    /** The command-line entry: serves until SIGTERM or SIGINT; returns the exit code. */
    static int main(ExampleOptions options, PrintStream out, PrintStream err) {
        VertxEmbedded app = start(options, out);
        Thread hook = new Thread(app::close, "vertx-embedded-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            app.stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** On the event-loop thread: the us_* loop with the context as its hint, then both servers. */
    private void listen(ExampleOptions options, CompletableFuture<Void> listening) {
        try {
            eventLoopThread = Thread.currentThread();
            loop = Loop.create(LoopOptions.builder().backend(options.backend()).hint(context).build());
            lines = loop.createSocketContext(options.contextOptions());
            lines.onOpen((s, isClient) -> {
                observe();
                s.setExt(new StringBuilder());
            }).onData(this::onLine).onEnd(s -> {
                observe();
                s.close();
            }).onClose((s, code, reason) -> observe());
            ListenSocket tcp = lines.listen(options.host(), options.tcpPort());
            tcpPort = tcp.port();
            http = vertx.createHttpServer().requestHandler(request -> {
                if (!request.path().equals("/count")) {
                    request.response().setStatusCode(404).end("not found\n");
                } else if (request.method() == HttpMethod.POST) {
                    request.response().end(++counter + "\n");
                } else {
                    request.response().end(counter + "\n");
                }
            });
            String host = options.host() == null ? "0.0.0.0" : options.host();
            http.listen(options.port(), host).onComplete(server -> {
                httpPort = server.actualPort();
                listening.complete(null);
            }, listening::completeExceptionally);
        } catch (RuntimeException e) {
            listening.completeExceptionally(e);
        }
    }

    /** The line protocol: complete lines are answered, a partial line waits in the socket's extension. */
    private void onLine(Socket<StringBuilder> socket, ByteBuffer data) {
        observe();
        StringBuilder pending = socket.ext();
        while (data.hasRemaining()) {
            char c = (char) (data.get() & 0xff);
            if (c != '\n') {
                if (pending.length() > 64) {
                    socket.close();
                    return;
                }
                pending.append(c);
                continue;
            }
            String line = pending.toString().trim();
            pending.setLength(0);
            String answer = switch (line) {
                case "INC" -> Long.toString(++counter);
                case "GET" -> Long.toString(counter);
                default -> "ERR unknown command '" + line + "'; expected INC or GET";
            };
            // Short answers on a socket that is read in turn: the kernel takes them whole.
            socket.write(ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.US_ASCII)), false);
        }
    }

    /** Counts a us_* callback, and whether it ran off the event-loop thread or outside the hint's context. */
    private void observe() {
        callbacks.incrementAndGet();
        if (Thread.currentThread() != eventLoopThread || Vertx.currentContext() != context) {
            outside.incrementAndGet();
        }
    }

    /** The HTTP port. */
    public int httpPort() {
        return httpPort;
    }

    /** The line-protocol port. */
    public int tcpPort() {
        return tcpPort;
    }

    /** How many us_* callbacks ran. */
    public long callbacks() {
        return callbacks.get();
    }

    /** How many us_* callbacks ran off the event-loop thread or with another current context (expected: 0). */
    public long callbacksOutsideTheContext() {
        return outside.get();
    }

    /** The Vert.x context the us_* loop was created with. */
    public Context context() {
        return context;
    }

    /** Frees the us_* loop (on the event loop), closes the HTTP server and Vert.x; a second call only waits. */
    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        CompletableFuture<Void> freed = new CompletableFuture<>();
        context.runOnContext(v -> {
            if (loop != null && !loop.isFreed()) {
                loop.free();
            }
            freed.complete(null);
        });
        try {
            freed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("vertx-embedded did not stop within " + WAIT.toSeconds() + " s", e);
        } finally {
            stopped.countDown();
        }
    }
}
