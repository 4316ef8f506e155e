package io.usockets.bench.servers;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The toy protocol on Vert.x 5 with one event loop and its native transport when it loads: either a
 * {@code NetServer} whose sockets count the request ends in each data chunk and write a preallocated buffer holding
 * that many responses, or an {@code HttpServer} that ends every request with the same page (Vert.x then writes its
 * own status line and {@code content-length} header, and answers pipelined requests in order). The NetServer can
 * speak TLS: with a certificate it is Vert.x's TLS on its OpenSSL engine (tcnative's BoringSSL, as the Netty TLS
 * server and our ssl module use), which is what a Vert.x user who cares for speed configures.
 */
final class VertxHelloServer implements HelloServer {

    private final boolean http;
    private final ServerPem tls;
    private final HelloResponse answer;
    private Vertx vertx;

    /**
     * A Vert.x HTTP server, or a NetServer speaking the toy protocol, answering with {@code answer}; over TLS with
     * {@code tls} when it is not null (the NetServer only).
     */
    VertxHelloServer(boolean http, ServerPem tls, HelloResponse answer) {
        if (http && tls != null) {
            throw new IllegalArgumentException("the Vert.x HTTP comparison server is plain only");
        }
        this.http = http;
        this.tls = tls;
        this.answer = answer;
    }

    @Override
    public int start(String host, int port) throws InterruptedException, ExecutionException, TimeoutException {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        System.out.println("vertx native transport: " + vertx.isNativeTransportEnabled());
        if (http) {
            Buffer body = Buffer.buffer(answer.body());
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setAcceptBacklog(4096));
            server.requestHandler(request -> request.response().end(body));
            return server.listen(port, host).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS)
                    .actualPort();
        }
        // answers[n]: n responses back to back, for a chunk that ends n requests.
        int copies = answer.copies();
        Buffer[] answers = new Buffer[copies + 1];
        for (int n = 1; n <= copies; n++) {
            answers[n] = Buffer.buffer(answer.repeated(n));
        }
        NetServerOptions options = new NetServerOptions().setTcpNoDelay(true).setAcceptBacklog(4096);
        if (tls != null) {
            options.setSsl(true).setSslEngineOptions(new OpenSSLEngineOptions()).setKeyCertOptions(new PemKeyCertOptions()
                    .setCertValue(Buffer.buffer(tls.certificateChain())).setKeyValue(Buffer.buffer(tls.privateKey())));
        }
        NetServer server = vertx.createNetServer(options);
        server.connectHandler(socket -> {
            RequestEnds ends = new RequestEnds();
            socket.handler(chunk -> {
                int requests = 0;
                for (int i = 0, length = chunk.length(); i < length; i++) {
                    if (ends.next(chunk.getByte(i))) {
                        requests++;
                    }
                }
                while (requests > 0) {
                    int n = Math.min(requests, copies);
                    socket.write(answers[n]);
                    requests -= n;
                }
            });
        });
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
