package io.usockets.core;

import io.usockets.UdpHandler;
import io.usockets.UdpOptions;
import io.usockets.UdpPacketBuffer;
import io.usockets.UdpSocket;
import io.usockets.core.spi.DatagramBuffer;
import io.usockets.core.spi.DatagramOps;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A send into a full socket buffer stops short and {@code onDrain} follows once. Loopback never fills a UDP send
 * buffer, so the loop's real datagram operations are wrapped in ones that answer EAGAIN after a budget of datagrams,
 * as a full socket buffer does. It lives in the core's package (for the package-private way to give a UDP socket its
 * datagram operations) and runs on every backend.
 */
class UdpDrainTest {

    /** The loop's datagram operations, except that {@link #send} takes at most {@link #budget} datagrams. */
    private static final class FullAfterBudget implements DatagramOps {
        private final DatagramOps real;
        int budget;

        FullAfterBudget(DatagramOps real, int budget) {
            this.real = real;
            this.budget = budget;
        }

        @Override
        public int send(Object raw, DatagramBuffer buffer, int first, int count, SendFailures failures) {
            int n = real.send(raw, buffer, first, Math.min(count, budget), failures);
            budget -= n;
            return n;
        }

        @Override
        public Object open(InetSocketAddress local, boolean reusePort) throws IOException {
            return real.open(local, reusePort);
        }

        @Override
        public void connect(Object raw, InetSocketAddress peer) throws IOException {
            real.connect(raw, peer);
        }

        @Override
        public int receive(Object raw, DatagramBuffer buffer) throws IOException {
            return real.receive(raw, buffer);
        }

        @Override
        public int localPort(Object raw) {
            return real.localPort(raw);
        }

        @Override
        public byte[] localIp(Object raw) {
            return real.localIp(raw);
        }

        @Override
        public void close(Object raw) {
            real.close(raw);
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void sendIntoAFullSocketBufferStopsShortThenDrainFollowsOnce(String backend) throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> drained = new CompletableFuture<>();
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout((int) TestLoop.WAIT.toMillis());
            int clientPort = client.getLocalPort();
            UdpPacketBuffer buffer = tl.call(() -> UdpPacketBuffer.create(10, 16));
            int first = tl.call(() -> {
                CoreLoop loop = (CoreLoop) tl.loop();
                FullAfterBudget ops = new FullAfterBudget(loop.ops.datagramOps(), 4);
                UdpHandler<FullAfterBudget> handler = new UdpHandler<>() {
                    @Override
                    public void onData(UdpSocket<FullAfterBudget> socket, UdpPacketBuffer b, int count) {
                    }

                    @Override
                    public void onDrain(UdpSocket<FullAfterBudget> socket) {
                        events.add("drain");
                        socket.ext().budget = 100;
                        events.add("resumed " + socket.send(buffer, 4, 6));
                        drained.complete(null);
                    }
                };
                UdpSocket<FullAfterBudget> socket = loop.createUdpSocket("127.0.0.1", 0, buffer, handler, ops,
                        UdpOptions.DEFAULT, ops);
                for (int i = 0; i < 10; i++) {
                    buffer.setPayload(i, new byte[] {(byte) i}, 0, 1, new byte[] {127, 0, 0, 1}, clientPort);
                }
                return socket.send(buffer, 10);
            });
            assertEquals(4, first, "datagrams handled by a send that met a full socket buffer");
            TestLoop.await(drained);
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                DatagramPacket p = new DatagramPacket(new byte[4], 4);
                client.receive(p);
                got.add((int) p.getData()[0]);
            }
            assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), got, "every datagram arrives after the drain");
            tl.roundTrip();
            assertEquals(List.of("drain", "resumed 6"), events, "one drain, then the rest sent");
        }
    }
}
