package io.usockets.bench.servers;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The toy protocol on Vert.x 5 with one event loop and its native transport when it loads: either a
 * {@code NetServer} that writes the preallocated response per data chunk, or an {@code HttpServer} that ends every
 * request with the same page (Vert.x then writes its own status line and {@code content-length} header).
 */
final class VertxHelloServer implements HelloServer {

    private final boolean http;
    private Vertx vertx;

    VertxHelloServer(boolean http) {
        this.http = http;
    }

    @Override
    public int start(String host, int port) throws InterruptedException, ExecutionException, TimeoutException {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        System.out.println("vertx native transport: " + vertx.isNativeTransportEnabled());
        if (http) {
            Buffer body = Buffer.buffer(HelloResponse.BODY_BYTES);
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setAcceptBacklog(4096));
            server.requestHandler(request -> request.response().end(body));
            return server.listen(port, host).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS)
                    .actualPort();
        }
        Buffer response = Buffer.buffer(HelloResponse.bytes());
        NetServer server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true).setAcceptBacklog(4096));
        server.connectHandler(socket -> socket.handler(chunk -> socket.write(response)));
        return server.listen(port, host).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS)
                .actualPort();
    }

    @Override
    public void close() throws InterruptedException, ExecutionException, TimeoutException {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }
}
