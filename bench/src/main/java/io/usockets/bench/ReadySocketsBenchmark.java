package io.usockets.bench;

import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Certificates;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one loop iteration that finds {@code sockets} sockets readable and serves each: one read into the
 * loop's receive buffer, one {@code onData} call, one write.
 *
 * <p>The set-up: {@code sockets} connections, both ends in the same loop, each with exactly one 64-byte message in
 * flight; plain or, with {@code tls}, TLS (a server and a client context of the ssl module in the same loop). Every socket writes back what it reads, so in every iteration exactly one end of each connection is
 * readable: the loop reads {@code sockets} messages and writes {@code sockets} messages per iteration, forever.
 *
 * <p>The loop runs on its own thread (the API has no single-iteration call), in lock step with the benchmark
 * thread: the loop's pre-iteration callback waits for a go from the benchmark method, the post-iteration callback
 * reports the iteration done, and the benchmark method returns then. One operation is therefore exactly one
 * iteration plus two cross-thread hand-offs (a few hundred nanoseconds with a free core each, far more on a loaded
 * machine; visible as the floor at {@code sockets=1}). Each measurement iteration checks that every operation read
 * exactly {@code sockets} messages, and fails otherwise. {@code -prof gc} counts the allocations of every thread,
 * loop thread included, so {@code gc.alloc.rate.norm} is bytes allocated per loop iteration; the loop thread's own
 * figure is printed after each measurement iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReadySocketsBenchmark {

    /** Size of the message each connection keeps in flight. */
    static final int MESSAGE_BYTES = 64;

    /** Busy spins of a waiting side before it starts yielding its core. */
    private static final int SPINS_BEFORE_YIELD = 1_000;

    /** The backend, filled in by {@link BenchMain} with every available one. */
    @Param({"nio"})
    public String backend;

    /** Sockets readable in every iteration (= connections, since one end of each is readable at a time). */
    @Param({"1", "64", "512"})
    public int sockets;

    /**
     * Whether the connections speak TLS (the ssl module over the backend, a generated self-signed certificate):
     * each read is then one record decrypted before {@code onData} and each write one record sealed.
     */
    @Param({"false", "true"})
    public boolean tls;

    private final byte[] message = new byte[MESSAGE_BYTES];

    private LoopThread loopThread;

    // Written by the benchmark thread, read by the loop thread.
    private volatile boolean gated;
    private volatile boolean stopping;
    private volatile long requested;

    // Written by the loop thread, read by the benchmark thread.
    private volatile long completed;
    private volatile long readsPublished;
    private volatile long shortWritesPublished;
    private volatile int opened;

    // Loop thread only.
    private long started;
    private boolean inGatedIteration;
    private long reads;
    private long shortWrites;
    private int openedOnLoop;
    private ListenSocket listener;

    // Benchmark thread only.
    private long requestedLocal;
    private long readsAtIterationStart;
    private long opsAtIterationStart;
    private long loopAllocatedAtIterationStart;

    /** Opens the connections, starts the ring and waits until the loop runs in lock step. */
    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) ('a' + i % 26);
        }
        LoopOptions options = LoopOptions.builder()
                .backend(backend)
                .receiveBufferSize(64 * 1024)
                .onPre(this::beforeIteration)
                .onPost(this::afterIteration)
                .build();
        loopThread = LoopThread.start("ready-sockets-loop", options, this::openRing);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (opened < 2 * sockets) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + opened + " of " + 2 * sockets
                        + " sockets opened within 20 s on backend " + backend);
            }
            Thread.sleep(1);
        }
        gated = true;
        runOneIteration(); // the first gated iteration may have started ungated; it is not measured
    }

    /** Remembers the counters, so the iteration's reads can be checked. */
    @Setup(Level.Iteration)
    public void markIteration() {
        readsAtIterationStart = readsPublished;
        opsAtIterationStart = requestedLocal;
        loopAllocatedAtIterationStart = loopThread.allocatedBytes();
    }

    /**
     * Fails the measurement unless every operation read exactly {@code sockets} messages and no write fell short;
     * prints what the loop thread alone allocated per iteration.
     */
    @TearDown(Level.Iteration)
    public void checkIteration() {
        long ops = requestedLocal - opsAtIterationStart;
        long loopAllocated = loopThread.allocatedBytes() - loopAllocatedAtIterationStart;
        System.out.printf("  (loop thread: %d bytes allocated in %d loop iterations)%n", loopAllocated, ops);
        long readsDone = readsPublished - readsAtIterationStart;
        if (ops > 0 && readsDone != ops * sockets) {
            throw new IllegalStateException(readsDone + " reads in " + ops + " loop iterations; expected exactly "
                    + sockets + " per iteration");
        }
        if (shortWritesPublished != 0) {
            throw new IllegalStateException(shortWritesPublished + " short writes; the ring lost messages");
        }
    }

    /** Releases the lock step and frees the loop. */
    @TearDown(Level.Trial)
    public void tearDown() {
        stopping = true;
        gated = false;
        if (loopThread != null) {
            loopThread.stop();
        }
    }

    /** One loop iteration serving {@code sockets} readable sockets; returns the iteration count. */
    @Benchmark
    public long iteration() {
        return runOneIteration();
    }

    private long runOneIteration() {
        long r = ++requestedLocal;
        requested = r;
        for (int spins = 0; completed < r; spins++) {
            pause(spins);
        }
        return r;
    }

    /**
     * Waits a little: a busy spin first (the hand-off takes well under a microsecond when both threads have a
     * core), then yields, so that on a machine with more runnable threads than cores the other side gets to run.
     */
    private static void pause(int spins) {
        if (spins < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    // ---------------------------------------------------------------- loop thread

    private void openRing(Loop loop) {
        SocketContext<Void, Void> server;
        SocketContext<Void, Void> client;
        if (tls) {
            Certificates.Issued cert = Certificates.selfSigned("localhost", "localhost", "127.0.0.1");
            server = loop.createSocketContext(SocketContextOptions.tlsFromPem(cert.certificatePem(),
                    cert.privateKeyPem()));
            client = loop.createSocketContext(SocketContextOptions.tlsClient());
        } else {
            server = loop.createSocketContext();
            client = server;
        }
        for (SocketContext<Void, Void> context : client == server ? List.of(server) : List.of(server, client)) {
            context.onOpen(this::onOpen)
                    .onData(this::onData)
                    .onEnd(Socket::close)
                    .onConnectError((socket, code, reason) -> {
                        throw new IllegalStateException("connect failed: " + code + " " + reason);
                    });
        }
        listener = server.listen("127.0.0.1", 0);
        for (int i = 0; i < sockets; i++) {
            client.connect("127.0.0.1", listener.port());
        }
    }

    private void onOpen(Socket<Void> socket, boolean isClient) {
        if (isClient) {
            // Each connection gets exactly one message in flight.
            socket.write(message, 0, message.length, false);
        }
        openedOnLoop++;
        if (openedOnLoop == 2 * sockets) {
            listener.close();
        }
        opened = openedOnLoop;
    }

    private void onData(Socket<Void> socket, ByteBuffer data) {
        reads++;
        socket.write(data);
        if (data.hasRemaining()) {
            shortWrites++;
        }
    }

    private void beforeIteration(Loop loop) {
        if (!gated) {
            return;
        }
        for (int spins = 0; requested <= started && !stopping; spins++) {
            pause(spins);
        }
        started++;
        inGatedIteration = true;
    }

    private void afterIteration(Loop loop) {
        readsPublished = reads;
        shortWritesPublished = shortWrites;
        if (inGatedIteration) {
            inGatedIteration = false;
            completed = started;
        }
    }
}
