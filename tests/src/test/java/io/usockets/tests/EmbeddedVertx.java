package io.usockets.tests;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;

import java.util.concurrent.TimeUnit;

/**
 * The embedded cases of the Vert.x backends: a case named {@code vertx+hint} (or {@code vertx-epoll+hint}) runs
 * its loop created with a Vert.x hint, as an application embeds one, instead of the standalone {@code vertx} loop
 * that owns its Vert.x instance. Each such loop gets a Vert.x instance of its own with one event loop on the
 * backend's transport, closed after the loop is freed.
 */
final class EmbeddedVertx {

    /** What a case name adds to the backend name for the embedded case. */
    static final String SUFFIX = "+hint";

    private EmbeddedVertx() {
    }

    /** Whether the case runs a loop created with a Vert.x hint. */
    static boolean isEmbedded(String caseName) {
        return caseName.endsWith(SUFFIX);
    }

    /** The backend name of a case. */
    static String backendOf(String caseName) {
        return isEmbedded(caseName) ? caseName.substring(0, caseName.length() - SUFFIX.length()) : caseName;
    }

    /** Whether the backend integrates with Vert.x, so the suite also runs its embedded case. */
    static boolean embeds(String backend) {
        return backend.equals("vertx") || backend.equals("vertx-epoll");
    }

    /** A Vert.x instance with one event loop on the transport of {@code backend}. */
    static Vertx create(String backend) {
        Transport transport = backend.equals("vertx-epoll") ? Transport.EPOLL : Transport.NIO;
        return Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(1).setMaxEventLoopExecuteTime(1)
                .setMaxEventLoopExecuteTimeUnit(TimeUnit.DAYS)).withTransport(transport).build();
    }

    /** Closes a Vert.x instance and waits for it, failing the test after {@link TestLoop#WAIT}. */
    static void close(Vertx vertx) {
        TestLoop.await(vertx.close().toCompletionStage().toCompletableFuture());
    }
}
