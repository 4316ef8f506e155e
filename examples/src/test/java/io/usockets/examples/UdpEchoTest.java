package io.usockets.examples;

import io.usockets.examples.ExampleOptions.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke tests of the udp-echo example on every backend. */
class UdpEchoTest {

    private static Running start(String backend, String... more) {
        String[] args = {"--port", "0", "--host", "127.0.0.1", "--backend", backend};
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return UdpEcho.start(ExampleOptions.parse(Kind.SERVER, all), new ExampleBackends.Captured().stream);
    }

    private static String echo(DatagramSocket client, int port, String message) throws Exception {
        byte[] data = message.getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(data, data.length, InetAddress.getByName("127.0.0.1"), port));
        DatagramPacket reply = new DatagramPacket(new byte[256], 256);
        client.receive(reply);
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void echoesEveryDatagramToItsSender(String backend) throws Exception {
        Running server = start(backend);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(20_000);
            for (int i = 0; i < 100; i++) {
                assertEquals("datagram " + i, echo(client, server.port(), "datagram " + i), "echo " + i);
            }
            assertEquals(100, server.acceptedPerLoop()[0], "datagrams counted by the loop");
        } finally {
            server.stop();
        }
        assertTrue(server.isStopped(), "loop not freed after stop");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.usockets.examples.ExampleBackends#names")
    void twoThreadsShareThePortAndBothServe(String backend) throws Exception {
        try (Running server = start(backend, "--threads", "2")) {
            // The kernel picks a loop by the peer's address: new peers until both loops have served (bounded).
            for (int peer = 0; peer < 200 && Arrays.stream(server.acceptedPerLoop()).anyMatch(c -> c == 0); peer++) {
                try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    client.setSoTimeout(20_000);
                    assertEquals("peer " + peer, echo(client, server.port(), "peer " + peer), "echo to peer " + peer);
                }
            }
            long[] served = server.acceptedPerLoop();
            assertTrue(served[0] > 0 && served[1] > 0, "datagrams per loop: " + Arrays.toString(served));
        }
    }

    @Test
    void sslIsRefusedWithAUsageError() {
        ExampleBackends.Captured out = new ExampleBackends.Captured();
        ExampleBackends.Captured err = new ExampleBackends.Captured();
        assertEquals(2, Main.run(new String[] {"udp-echo", "--port", "0", "--ssl"}, out.stream, err.stream));
        assertTrue(err.text().contains("--ssl is not supported by udp-echo"), err.text());
        assertThrows(ExampleOptions.UsageException.class, () -> start("nio", "--ssl"));
    }
}
