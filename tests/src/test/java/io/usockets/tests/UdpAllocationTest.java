package io.usockets.tests;

import io.usockets.UdpPacketBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The steady-state UDP path allocates nothing on the loop thread on the native, io_uring and nio backends
 * (docs/RULES.md I3): receive into the packet buffer, onData, the peer's bytes, send back by slot. The loop thread's
 * allocated bytes are read around 50 000 datagram echoes after warm-up and must stay under 1 KiB (the same budget and
 * windows as {@link AllocationTest}; on io_uring beyond the 16 bytes Netty's handler allocates per wait, counted as
 * there). Other backends are measured and printed, not held to it.
 */
class UdpAllocationTest {

    private static final int WARM_UP = 20_000;
    private static final int ECHOES = 50_000;
    private static final long BUDGET_BYTES = 1024;
    private static final int ATTEMPTS = 3;

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void datagramEchoesAllocateNothingOnTheLoopThread(String backend) throws Exception {
        // The native backend's one-datagram-per-call fallback makes an address object per datagram (documented).
        boolean batched = !"single".equals(System.getProperty("usockets.native.datagrams"));
        boolean held = backend.equals("nio") || (backend.equals("native") || backend.equals("io_uring")) && batched;
        try (TestLoop tl = TestLoop.start(backend);
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout((int) TestLoop.WAIT.toMillis());
            byte[] peer = new byte[16];
            int port = tl.call(() -> tl.loop().<Void>createUdpSocket("127.0.0.1", 0, UdpPacketBuffer.create(),
                    (s, buffer, count) -> {
                        // Read what a server reads: the peer and the payload, then echo by slot.
                        for (int i = 0; i < count; i++) {
                            buffer.peerIp(i, peer);
                            buffer.peerPort(i);
                            buffer.payload(i);
                        }
                        s.send(buffer, count);
                    }, null).boundPort());
            byte[] message = "0123456789".getBytes();
            DatagramPacket out = new DatagramPacket(message, message.length, InetAddress.getByName("127.0.0.1"), port);
            DatagramPacket in = new DatagramPacket(new byte[16], 16);
            echo(client, out, in, WARM_UP);
            List<Long> windows = new ArrayList<>();
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                LoopAllocation window = LoopAllocation.measure(tl, backend, () -> echo(client, out, in, ECHOES));
                windows.add(window.allocated);
                System.out.printf("[%s] loop thread allocated %d bytes over %d datagram echoes%s%n", backend,
                        window.allocated, ECHOES, window.detail());
                if (window.ours < BUDGET_BYTES || !held) {
                    return;
                }
            }
            fail("the loop thread allocated " + windows + " bytes in " + ATTEMPTS + " windows of " + ECHOES
                    + " datagram echoes; expected under " + BUDGET_BYTES + LoopAllocation.budgetNote(backend)
                    + " in at least one");
        }
    }

    private static void echo(DatagramSocket client, DatagramPacket out, DatagramPacket in, int times)
            throws Exception {
        byte[] message = out.getData();
        for (int i = 0; i < times; i++) {
            message[9] = (byte) i;
            client.send(out);
            in.setLength(16);
            client.receive(in);
            assertEquals(10, in.getLength(), "echo length");
            assertEquals(message[9], in.getData()[9], "echo of datagram " + i);
        }
    }
}
