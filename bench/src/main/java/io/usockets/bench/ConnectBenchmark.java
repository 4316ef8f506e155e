package io.usockets.bench;

import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Connects by IP literal: one operation is one {@code connect("127.0.0.1", port)} on the loop thread to a listen
 * socket of the same loop, through onOpen (where the client closes it) and the server's accept and close. A burst of
 * {@value #BURST} connects runs per invocation inside one deferred task, so the hand-over from the benchmark thread
 * is spread over them. The literal path does no lookup: this is the figure that must not grow when names are
 * resolved off the loop.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ConnectBenchmark {

    /** Connects per invocation. */
    static final int BURST = 64;

    /** The backend of the loop, filled in by {@link BenchMain} with every available one. */
    @Param({"nio"})
    public String backend;

    private LoopThread loop;
    private SocketContext<Void, Void> clients;
    private int port;
    private int opened;
    private int failed;
    private CompletableFuture<Integer> burstDone;

    /** Starts the loop with a listen socket and a client context. */
    @Setup(Level.Trial)
    public void setUp() {
        loop = LoopThread.start("connect-loop", LoopOptions.builder().backend(backend).build(), l -> {
            SocketContext<Void, Void> server = l.createSocketContext();
            server.onEnd(Socket::close);
            port = server.listen("127.0.0.1", 0).port();
            clients = l.createSocketContext();
            clients.onOpen((s, isClient) -> {
                s.close();
                opened++;
                finishBurst();
            });
            clients.onConnectError((s, code, reason) -> {
                failed++;
                finishBurst();
            });
        });
    }

    private void finishBurst() {
        if (opened + failed == BURST) {
            burstDone.complete(failed);
        }
    }

    /** Frees the loop. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (loop != null) {
            loop.stop();
        }
    }

    /** {@value #BURST} connects by literal, each through onOpen; returns how many failed (must be 0). */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int connectByLiteral() throws Exception {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        loop.loop().defer(() -> {
            opened = 0;
            failed = 0;
            burstDone = done;
            for (int i = 0; i < BURST; i++) {
                clients.connect("127.0.0.1", port);
            }
        });
        int failures = done.get(20, TimeUnit.SECONDS);
        if (failures != 0) {
            throw new IllegalStateException(failures + " of " + BURST + " connects failed");
        }
        return failures;
    }
}
