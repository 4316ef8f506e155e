package io.usockets.tests;

import io.usockets.UdpHandler;
import io.usockets.UdpOptions;
import io.usockets.UdpPacketBuffer;
import io.usockets.UdpSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UDP sockets and packet buffers (µSockets' us_udp_*) against java.net datagram peers on loopback: batched echo,
 * batching of waiting datagrams, the largest datagram, truncation, dual-stack peers, ports, exclusive and shared binds,
 * close inside onData, connected sockets and ICMP errors, and argument checks.
 */
class UdpTest {

    private static final byte[] LOCALHOST_V4 = {127, 0, 0, 1};

    /** A java.net peer on loopback whose receives time out after {@link TestLoop#WAIT}. */
    private static DatagramSocket peer(String host) throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
        socket.setSoTimeout((int) TestLoop.WAIT.toMillis());
        return socket;
    }

    private static DatagramPacket receive(DatagramSocket socket, int size) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[size], size);
        socket.receive(packet);
        return packet;
    }

    private static void send(DatagramSocket socket, byte[] data, int port) throws IOException {
        socket.send(new DatagramPacket(data, data.length, InetAddress.getByAddress(LOCALHOST_V4), port));
    }

    /** An echo server: every batch goes back to its peers with one send. */
    private static UdpHandler<Void> echo() {
        return (s, buffer, count) -> s.send(buffer, count);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void echoesTenThousandDatagramsWithFortyInFlightAndLosesNone(String backend) throws Exception {
        int total = 10_000;
        int inFlight = 40;
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = peer("127.0.0.1")) {
            int port = tl.call(() -> tl.loop().createUdpSocket("127.0.0.1", 0, UdpPacketBuffer.create(), echo(), null)
                    .boundPort());
            Set<String> expected = new HashSet<>();
            Set<String> received = new HashSet<>();
            int sent = 0;
            for (; sent < inFlight; sent++) {
                String message = "datagram " + sent;
                expected.add(message);
                send(client, message.getBytes(StandardCharsets.US_ASCII), port);
            }
            while (received.size() < total) {
                DatagramPacket reply;
                try {
                    reply = receive(client, 64);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("echo stalled after " + received.size() + " of " + total
                            + " datagrams (one was lost)", e);
                }
                assertTrue(received.add(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII)),
                        "a datagram echoed twice");
                if (sent < total) {
                    String message = "datagram " + sent++;
                    expected.add(message);
                    send(client, message.getBytes(StandardCharsets.US_ASCII), port);
                }
            }
            assertEquals(expected, received, "the echoed datagrams");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void datagramsWaitingBeforeTheLoopReadsArriveInAsFewOnDataCallsAsTheBufferAllows(String backend)
            throws Exception {
        List<Integer> batches = new CopyOnWriteArrayList<>();
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = peer("127.0.0.1")) {
            tl.run(() -> {
                UdpSocket<Void> server = tl.loop().createUdpSocket("127.0.0.1", 0, UdpPacketBuffer.create(64, 256),
                        (s, buffer, count) -> batches.add(count), null);
                // Sent on the loop thread, so the loop cannot read before all 100 are queued in the kernel.
                try {
                    send(client, new byte[10], server.boundPort());
                    long one = KernelQueues.udpReceiveQueue(server.boundPort(), 1);
                    for (int i = 1; i < 100; i++) {
                        send(client, new byte[10], server.boundPort());
                    }
                    KernelQueues.udpReceiveQueue(server.boundPort(), 100 * one);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Waits.waitUntil(() -> batches.stream().mapToInt(Integer::intValue).sum() >= 100, "100 datagrams");
            assertEquals(List.of(64, 36), batches, "datagrams per onData call with a 64-slot buffer");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void echoesTheLargestIpv4Datagram(String backend) throws Exception {
        byte[] big = new byte[65_507];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = peer("127.0.0.1")) {
            client.setReceiveBufferSize(256 * 1024);
            int port = tl.call(() -> tl.loop().createUdpSocket("127.0.0.1", 0, UdpPacketBuffer.create(4,
                    UdpPacketBuffer.DEFAULT_SLOT_SIZE), echo(), null).boundPort());
            send(client, big, port);
            DatagramPacket reply = receive(client, 70_000);
            assertEquals(big.length, reply.getLength(), "echoed length");
            assertArrayEquals(big, Arrays.copyOf(reply.getData(), reply.getLength()), "echoed bytes");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void aDatagramLargerThanItsSlotIsReportedTruncatedAndTheLoopGoesOn(String backend) throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = peer("127.0.0.1")) {
            int port = tl.call(() -> tl.loop().createUdpSocket("127.0.0.1", 0, UdpPacketBuffer.create(8, 1000),
                    (s, buffer, count) -> {
                        for (int i = 0; i < count; i++) {
                            ByteBuffer payload = buffer.payload(i);
                            seen.add(buffer.length(i) + ":" + buffer.truncated(i) + ":" + payload.get(0) + ":"
                                    + payload.get(payload.limit() - 1));
                        }
                    }, null).boundPort());
            for (int size : new int[] {1000, 1001, 1500, 10}) {
                byte[] data = new byte[size];
                Arrays.fill(data, (byte) (size % 100));
                data[0] = 1;
                send(client, data, port);
                Waits.waitUntil(() -> seen.size() == (size == 1000 ? 1 : size == 1001 ? 2 : size == 1500 ? 3 : 4),
                        "the datagram of " + size + " bytes");
            }
            assertEquals(List.of("1000:false:1:0", "1000:true:1:1", "1000:true:1:0", "10:false:1:10"), seen,
                    "length:truncated:first:last per datagram of 1000, 1001, 1500 and 10 bytes into 1000-byte slots");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void dualStackSocketSeesIpv4AndIpv6PeersAndRepliesToEachBySlot(String backend) throws Exception {
        List<String> peers = new CopyOnWriteArrayList<>();
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket v4 = peer("127.0.0.1");
             DatagramSocket v6 = peer("::1")) {
            int port = tl.call(() -> tl.loop().createUdpSocket(null, 0, UdpPacketBuffer.create(),
                    (s, buffer, count) -> {
                        byte[] ip = new byte[16];
                        for (int i = 0; i < count; i++) {
                            int length = buffer.peerIp(i, ip);
                            peers.add(length + ":" + Arrays.toString(Arrays.copyOf(ip, length)) + ":"
                                    + buffer.peerPort(i) + ":" + buffer.peer(i).getAddress().getClass().getSimpleName()
                                    + ":" + buffer.ecn(i) + ":" + buffer.localIp(i, ip));
                        }
                        s.send(buffer, count);
                    }, null).boundPort());
            v4.send(new DatagramPacket(new byte[] {4}, 1, InetAddress.getByName("127.0.0.1"), port));
            assertEquals(4, receive(v4, 8).getData()[0], "reply to the IPv4 peer");
            v6.send(new DatagramPacket(new byte[] {6}, 1, InetAddress.getByName("::1"), port));
            assertEquals(6, receive(v6, 8).getData()[0], "reply to the IPv6 peer");
            byte[] loop6 = new byte[16];
            loop6[15] = 1;
            assertEquals(List.of("4:" + Arrays.toString(LOCALHOST_V4) + ":" + v4.getLocalPort() + ":Inet4Address:-1:0",
                    "16:" + Arrays.toString(loop6) + ":" + v6.getLocalPort() + ":Inet6Address:-1:0"), peers,
                    "length:ip:port:type:ecn:local ip length of each peer");
            // An IPv4-mapped IPv6 address given as the peer is an IPv4 peer.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(LOCALHOST_V4, 0, mapped, 12, 4);
            int localPort = v4.getLocalPort();
            int[] length = tl.call(() -> {
                UdpPacketBuffer out = UdpPacketBuffer.create(2, 16);
                out.setPayload(0, new byte[] {9}, 0, 1, mapped, localPort);
                UdpSocket<Object> sender = tl.loop().createUdpSocket(null, 0, out, (s, b, c) -> { }, null);
                int sent = sender.send(out, 1);
                sender.close();
                return new int[] {out.peerIp(0, new byte[16]), sent};
            });
            assertArrayEquals(new int[] {4, 1}, length, "peer length and sent count for an IPv4-mapped peer");
            assertEquals(9, receive(v4, 8).getData()[0], "datagram sent to the IPv4-mapped peer");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void portZeroBindsAFreePortThatBoundPortReportsAndABusyPortFailsUnlessShared(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = peer("127.0.0.1")) {
            UdpPacketBuffer buffer = tl.call(UdpPacketBuffer::create);
            UdpSocket<String> first = tl.call(() -> tl.loop().createUdpSocket("127.0.0.1", 0, buffer, echo2(), "first"));
            int port = tl.call(first::boundPort);
            assertTrue(port > 0 && port <= 65535, "bound port " + port);
            assertEquals("first", tl.call(first::ext), "user extension");
            send(client, new byte[] {1}, port);
            assertEquals(1, receive(client, 8).getLength(), "echo through the bound port");
            UncheckedIOException busy = assertThrows(UncheckedIOException.class, () -> tl.call(() ->
                    tl.loop().createUdpSocket("127.0.0.1", port, buffer, echo2(), null)), "binding a busy port");
            assertTrue(busy.getMessage().contains(":" + port) && busy.getMessage().contains("REUSE_PORT"),
                    "message names the port and the option: " + busy.getMessage());
            assertThrows(IllegalArgumentException.class, () -> tl.call(() ->
                    tl.loop().createUdpSocket("127.0.0.1", 65536, buffer, echo2(), null)), "port 65536");
            tl.run(first::close);
            assertEquals(-1, (int) tl.call(first::boundPort), "bound port after close");
            int shared = tl.call(() -> {
                UdpSocket<String> a = tl.loop().createUdpSocket("127.0.0.1", 0, buffer, echo2(), "a",
                        UdpOptions.REUSE_PORT);
                UdpSocket<String> b = tl.loop().createUdpSocket("127.0.0.1", a.boundPort(), buffer, echo2(), "b",
                        UdpOptions.REUSE_PORT);
                return b.boundPort() == a.boundPort() ? a.boundPort() : -1;
            });
            assertTrue(shared > 0, "two reuse-port sockets share one port");
            send(client, new byte[] {2}, shared);
            assertEquals(2, receive(client, 8).getData()[0], "echo through the shared port");
        }
    }

    private static UdpHandler<String> echo2() {
        return (s, buffer, count) -> s.send(buffer, count);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void closeInsideOnDataStopsCallbacksAndLaterCallsAreNoOps(String backend) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<int[]> after = new CompletableFuture<>();
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = peer("127.0.0.1")) {
            int port = tl.call(() -> tl.loop().createUdpSocket("127.0.0.1", 0, UdpPacketBuffer.create(),
                    (s, buffer, count) -> {
                        calls.incrementAndGet();
                        s.close();
                        s.close();
                        after.complete(new int[] {s.send(buffer, count), s.receive(buffer), s.boundPort(),
                                s.isClosed() ? 1 : 0});
                    }, null).boundPort());
            send(client, new byte[] {1}, port);
            assertArrayEquals(new int[] {0, 0, -1, 1}, TestLoop.await(after),
                    "send, receive, bound port and isClosed after close inside onData");
            send(client, new byte[] {2}, port);
            tl.roundTrip();
            assertEquals(1, calls.get(), "onData calls");
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void connectedSocketSendsWithoutPeerAndSurfacesPortUnreachableAsAnError(String backend) throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = peer("127.0.0.1")) {
            int closedPort;
            try (DatagramSocket gone = peer("127.0.0.1")) {
                closedPort = gone.getLocalPort();
            }
            UdpHandler<Void> handler = new UdpHandler<>() {
                @Override
                public void onData(UdpSocket<Void> socket, UdpPacketBuffer buffer, int count) {
                }

                @Override
                public void onError(UdpSocket<Void> socket, int slot, IOException error) {
                    errors.add(slot + ":" + error.getClass().getSimpleName());
                }
            };
            UdpPacketBuffer buffer = tl.call(() -> UdpPacketBuffer.create(4, 64));
            UdpSocket<Void> toClient = tl.call(() -> tl.loop().createUdpSocket("127.0.0.1", 0, buffer, handler, null));
            int clientPort = client.getLocalPort();
            int sent = tl.call(() -> {
                toClient.connect("127.0.0.1", clientPort);
                buffer.setPayload(0, ByteBuffer.wrap(new byte[] {7}), null, 0);
                return toClient.send(buffer, 1);
            });
            assertEquals(1, sent, "datagrams sent without a peer on a connected socket");
            assertEquals(7, receive(client, 8).getData()[0], "datagram from the connected socket");
            UdpSocket<Void> toNobody = tl.call(() -> tl.loop().createUdpSocket("127.0.0.1", 0, buffer, handler, null));
            tl.run(() -> {
                toNobody.connect("127.0.0.1", closedPort);
                toNobody.send(buffer, 1);
            });
            Waits.waitUntil(() -> !errors.isEmpty(), "the ICMP port-unreachable error");
            assertTrue(errors.get(0).endsWith(PortUnreachableException.class.getSimpleName()),
                    "error after sending to a closed port: " + errors);
            assertFalse(tl.call(toNobody::isClosed), "the socket stays open after the error");
            IllegalArgumentException noPeer = assertThrows(IllegalArgumentException.class, () -> tl.call(() -> {
                UdpSocket<Void> unconnected = tl.loop().createUdpSocket("127.0.0.1", 0, buffer, handler, null);
                try {
                    return unconnected.send(buffer, 1);
                } finally {
                    unconnected.close();
                }
            }), "a slot without a peer on an unconnected socket");
            assertTrue(noPeer.getMessage().contains("slot 0"), noPeer.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void badSlotIndexLengthOrSizeThrowsIllegalArgumentException(String backend) throws Exception {
        try (TestLoop tl = TestLoop.start(backend)) {
            List<String> messages = tl.call(() -> {
                UdpPacketBuffer buffer = UdpPacketBuffer.create(4, 100);
                UdpSocket<Void> socket = tl.loop().createUdpSocket("127.0.0.1", 0, buffer, (s, b, c) -> { }, null);
                List<Runnable> bad = List.of(
                        () -> buffer.payload(-1),
                        () -> buffer.payload(4),
                        () -> buffer.length(4),
                        () -> buffer.setLength(0, 101),
                        () -> buffer.setPayload(0, new byte[101], 0, 101, LOCALHOST_V4, 1),
                        () -> buffer.setPayload(0, new byte[10], 5, 6, LOCALHOST_V4, 1),
                        () -> buffer.setPeer(0, new byte[5], 1),
                        () -> buffer.setPeer(0, LOCALHOST_V4, 70_000),
                        () -> buffer.peerIp(0, new byte[4]),
                        () -> socket.send(buffer, 5),
                        () -> socket.send(buffer, 3, 2),
                        () -> socket.send(buffer, -1),
                        () -> UdpPacketBuffer.create(0, 100),
                        () -> UdpPacketBuffer.create(4, 70_000),
                        () -> UdpPacketBuffer.create(UdpPacketBuffer.MAX_SLOTS + 1, 100));
                List<String> out = new ArrayList<>();
                for (Runnable r : bad) {
                    try {
                        r.run();
                        out.add("no exception");
                    } catch (IllegalArgumentException e) {
                        out.add(e.getMessage());
                    }
                }
                socket.close();
                return out;
            });
            for (String m : messages) {
                assertFalse(m.equals("no exception"), "every bad call throws IllegalArgumentException: " + messages);
                assertTrue(m.contains("range") || m.contains("outside") || m.contains("bytes"),
                        "the message names the bad value: " + m);
            }
            assertNull(tl.call(() -> UdpPacketBuffer.create(1, 1).peer(0)), "a slot without a peer");
        }
    }
}
