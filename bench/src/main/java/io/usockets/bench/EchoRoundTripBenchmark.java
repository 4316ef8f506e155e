package io.usockets.bench;

import io.usockets.ListenSocket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.Socket;
import io.usockets.SocketContext;

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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One echo round trip over loopback: the benchmark thread writes {@code bytes} bytes on a blocking JDK socket and
 * reads them back from a us_* echo server whose loop runs on its own thread. The server's loop sleeps in its poll
 * between messages, so each operation includes one wake-up of the loop, one read, one {@code onData} and one write.
 * {@code gc.alloc.rate.norm} under {@code -prof gc} counts both threads: bytes allocated per round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EchoRoundTripBenchmark {

    /** The backend of the server's loop, filled in by {@link BenchMain} with every available one. */
    @Param({"nio"})
    public String backend;

    /** Size of the message sent and echoed. */
    @Param({"64"})
    public int bytes;

    private LoopThread server;
    private SocketChannel client;
    private ByteBuffer out;
    private ByteBuffer in;
    private volatile long serverShortWrites;

    /** Starts the echo server loop and connects the client. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        int[] port = new int[1];
        server = LoopThread.start("echo-server-loop", LoopOptions.builder().backend(backend).build(),
                loop -> port[0] = listen(loop).port());
        client = SocketChannel.open(new InetSocketAddress("127.0.0.1", port[0]));
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        out = ByteBuffer.allocateDirect(bytes);
        for (int i = 0; i < bytes; i++) {
            out.put(i, (byte) i);
        }
        in = ByteBuffer.allocateDirect(bytes);
    }

    /** Fails the measurement if the server ever wrote short (the echo would be incomplete). */
    @TearDown(Level.Iteration)
    public void checkIteration() {
        if (serverShortWrites != 0) {
            throw new IllegalStateException(serverShortWrites + " short writes on the echo server");
        }
    }

    /** Closes the client and frees the server loop. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    /** Sends the message and waits until all of it has come back; returns its last byte. */
    @Benchmark
    public byte roundTrip() {
        try {
            out.clear();
            while (out.hasRemaining()) {
                client.write(out);
            }
            in.clear();
            while (in.hasRemaining()) {
                if (client.read(in) < 0) {
                    throw new IllegalStateException("the echo server closed the connection");
                }
            }
            return in.get(bytes - 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ListenSocket listen(Loop loop) {
        SocketContext<Void, Void> context = loop.createSocketContext();
        context.onData(this::echo).onEnd(Socket::close);
        return context.listen("127.0.0.1", 0);
    }

    private void echo(Socket<Void> socket, ByteBuffer data) {
        socket.write(data);
        if (data.hasRemaining()) {
            serverShortWrites++;
        }
    }
}
