package io.usockets.examples;

import io.usockets.Loop;
import io.usockets.UdpOptions;
import io.usockets.UdpPacketBuffer;
import io.usockets.UdpSocket;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP echo server (the server half of µSockets' {@code udp_benchmark}): every batch of datagrams the loop reads is
 * sent back to its senders with one send of the same packet buffer, each slot to its own peer. Nothing is copied or
 * allocated per datagram. A batch the kernel cannot take whole (a full socket buffer) is cut short and the rest is
 * dropped, as UDP may drop datagrams anyway; a server that must not drop resumes from the returned count in
 * {@code onDrain}.
 *
 * <p>With {@code --threads N} it runs on N loops sharing the port with SO_REUSEPORT (the kernel spreads peers over the
 * loops); one packet buffer and one UDP socket per loop. {@code --ssl} is refused: there is no TLS over UDP here.
 */
public final class UdpEcho {

    private UdpEcho() {
    }

    /** Starts the server on its own loop threads and returns once bound (after printing the port line). */
    public static Running start(ExampleOptions options, PrintStream out) {
        if (options.ssl()) {
            throw new ExampleOptions.UsageException("--ssl is not supported by udp-echo (no TLS over UDP)");
        }
        String host = options.host();
        UdpOptions udpOptions = options.threads() > 1 ? UdpOptions.REUSE_PORT : UdpOptions.DEFAULT;
        return Running.startBound("udp-echo", options, out, (loop, port, count) -> bind(loop, host, port, udpOptions,
                count));
    }

    /** The command-line entry: serves until SIGTERM or SIGINT; returns the exit code. */
    static int main(ExampleOptions options, PrintStream out, PrintStream err) {
        return start(options, out).serveUntilSignalled(err);
    }

    private static int bind(Loop loop, String host, int port, UdpOptions udpOptions, AtomicLong count) {
        UdpSocket<Void> socket = loop.createUdpSocket(host, port, UdpPacketBuffer.create(), (s, buffer, n) -> {
            count.addAndGet(n);
            s.send(buffer, n);
        }, null, udpOptions);
        return socket.boundPort();
    }
}
