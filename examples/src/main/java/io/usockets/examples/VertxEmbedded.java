package io.usockets.examples;

import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.examples.ExampleOptions.UsageException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.transport.Transport;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code vertx-embedded} example: a Vert.x application whose verticle serves both an HTTP route ({@code /count}
 * on {@code --port}: GET reads the counter, POST adds one) and a raw us_* TCP server ({@code --tcp-port}, a line
 * protocol: {@code INC} adds one and answers the new value, {@code GET} answers the value). Both paths share one
 * plain {@code long}, with no lock or atomic: the us_* loop is created with the verticle's Vert.x context as its
 * hint, so its callbacks run on that context's event-loop thread, inside that context.
 *
 * <p>{@code --instances N} deploys N instances of the verticle on N event loops, the way Vert.x scales: each
 * instance has its own event loop, its own us_* loop, its own line server (all on one port, SO_REUSEPORT, so the
 * kernel picks the instance per connection), its own HTTP server (Vert.x shares the port and hands connections out
 * in turn) and its own counter, shared by its two servers and by nothing else. The instances are deployed one by
 * one; instance 0 binds the line server's port and the others listen on the port it got.
 *
 * <p>Every us_* callback checks that it runs on its instance's event-loop thread with {@code Vertx.currentContext()}
 * equal to the hint; {@link Instance#callbacks()} and {@link Instance#callbacksOutsideTheContext()} report what it
 * saw (the test pins 0).
 */
public final class VertxEmbedded implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);

    private final Vertx vertx;
    private final List<Instance> instances = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    /**
     * One verticle instance: its event loop, its us_* loop and line server, its HTTP server and its counter. Every
     * field but the counts is touched on its event-loop thread only (and read by others after its deployment).
     */
    public static final class Instance extends VerticleBase {
        private final ExampleOptions options;
        private final int httpPortToUse;
        private final int tcpPortToUse;
        /** The counter both servers of this instance share; touched only on its event-loop thread. */
        private long counter;
        private Thread eventLoopThread;
        private Loop loop;
        private int httpPort;
        private int tcpPort;
        private final AtomicLong callbacks = new AtomicLong();
        private final AtomicLong outside = new AtomicLong();
        private final AtomicLong accepted = new AtomicLong();
        private final AtomicLong httpRequests = new AtomicLong();

        private Instance(ExampleOptions options, int httpPort, int tcpPort) {
            this.options = options;
            this.httpPortToUse = httpPort;
            this.tcpPortToUse = tcpPort;
        }

        /** On the instance's event-loop thread: the us_* loop with its context as the hint, then both servers. */
        @Override
        public Future<?> start() {
            eventLoopThread = Thread.currentThread();
            loop = Loop.create(LoopOptions.builder().backend(options.backend()).hint(context).build());
            SocketContext<Void, StringBuilder> lines = loop.createSocketContext(options.contextOptions());
            lines.onOpen((s, isClient) -> {
                observe();
                accepted.incrementAndGet();
                s.setExt(new StringBuilder());
            }).onData(this::onLine).onEnd(s -> {
                observe();
                s.close();
            }).onClose((s, code, reason) -> observe());
            ListenSocket tcp = lines.listen(options.host(), tcpPortToUse);
            tcpPort = tcp.port();
            HttpServer http = vertx.createHttpServer().requestHandler(request -> {
                httpRequests.incrementAndGet();
                if (!request.path().equals("/count")) {
                    request.response().setStatusCode(404).end("not found\n");
                } else if (request.method() == HttpMethod.POST) {
                    request.response().end(++counter + "\n");
                } else {
                    request.response().end(counter + "\n");
                }
            });
            String host = options.host() == null ? "0.0.0.0" : options.host();
            return http.listen(httpPortToUse, host).map(server -> {
                httpPort = server.actualPort();
                return null;
            });
        }

        /** On the event-loop thread at undeployment: frees the us_* loop (Vert.x closes the HTTP server). */
        @Override
        public Future<?> stop() {
            if (loop != null && !loop.isFreed()) {
                loop.free();
            }
            return Future.succeededFuture();
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

        /** The Vert.x context the instance's us_* loop was created with. */
        public Context context() {
            return context;
        }

        /** The instance's event-loop thread. */
        public Thread eventLoopThread() {
            return eventLoopThread;
        }

        /** How many us_* callbacks of this instance ran. */
        public long callbacks() {
            return callbacks.get();
        }

        /** How many ran off the event-loop thread or with another current context (expected: 0). */
        public long callbacksOutsideTheContext() {
            return outside.get();
        }

        /** How many line-protocol connections this instance's us_* server accepted. */
        public long acceptedConnections() {
            return accepted.get();
        }

        /** How many HTTP requests this instance's server answered. */
        public long httpRequests() {
            return httpRequests.get();
        }
    }

    private VertxEmbedded(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * Starts Vert.x with one event loop per instance (epoll for {@code --backend vertx-epoll}, else NIO), deploys the
     * instances one by one, prints one {@code Listening on port N} line per server and returns once all listen.
     */
    public static VertxEmbedded start(ExampleOptions options, PrintStream out) {
        String backend = options.backend();
        if (backend != null && !backend.equals("vertx") && !backend.equals("vertx-epoll")) {
            throw new UsageException("vertx-embedded runs on backend vertx or vertx-epoll, not '" + backend + "'");
        }
        options.contextOptions();
        Transport transport = "vertx-epoll".equals(backend) ? Transport.EPOLL : Transport.NIO;
        Vertx vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(options.instances()))
                .withTransport(transport).build();
        VertxEmbedded app = new VertxEmbedded(vertx);
        // Vert.x shares one HTTP server socket among servers listening on the same port; a negative port means
        // "one random port shared by every server asking for this negative port", so --port 0 becomes -1.
        int httpPort = options.port() == 0 ? -1 : options.port();
        try {
            Instance first = app.deploy(new Instance(options, httpPort, options.tcpPort()));
            for (int i = 1; i < options.instances(); i++) {
                app.deploy(new Instance(options, httpPort, first.tcpPort));
            }
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        out.println("Listening on port " + app.httpPort());
        out.println("Listening on port " + app.tcpPort());
        out.flush();
        return app;
    }

    /** Deploys one instance (Vert.x gives it the next event loop) and waits until both its servers listen. */
    private Instance deploy(Instance instance) {
        try {
            vertx.deployVerticle(instance).toCompletionStage().toCompletableFuture()
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("vertx-embedded instance " + instances.size() + " failed to start: "
                    + cause, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("vertx-embedded instance " + instances.size() + " did not start within "
                    + WAIT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting vertx-embedded", e);
        }
        instances.add(instance);
        return instance;
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

    /** The HTTP port. */
    public int httpPort() {
        return instances.get(0).httpPort;
    }

    /** The line-protocol port. */
    public int tcpPort() {
        return instances.get(0).tcpPort;
    }

    /** The verticle instances, in deployment order. */
    public List<Instance> instances() {
        return Collections.unmodifiableList(instances);
    }

    /** How many us_* callbacks ran, over every instance. */
    public long callbacks() {
        return instances.stream().mapToLong(Instance::callbacks).sum();
    }

    /** How many us_* callbacks ran off their event-loop thread or outside their context (expected: 0). */
    public long callbacksOutsideTheContext() {
        return instances.stream().mapToLong(Instance::callbacksOutsideTheContext).sum();
    }

    /** The Vert.x context of the first instance's us_* loop. */
    public Context context() {
        return instances.get(0).context();
    }

    /** Undeploys every instance (each frees its us_* loop on its event loop), closes Vert.x; a second call does nothing. */
    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        try {
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
