package io.usockets.bench.servers;

import io.usockets.Loop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every Java UDP comparison server of the UDP bench echoes each datagram to its sender. */
class UdpServersTest {

    @ParameterizedTest
    @ValueSource(strings = {"usockets-native", "usockets-nio", "usockets-vertx", "usockets-vertx-epoll", "netty-epoll",
            "vertx"})
    void serverEchoesEveryDatagram(String kind) throws Exception {
        if (kind.startsWith("usockets-") && !Loop.availableBackends().contains(kind.substring(9))) {
            return;
        }
        UdpServers.Started server = UdpServers.start(kind, 0);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(20_000);
            for (int i = 0; i < 3; i++) {
                byte[] data = ("datagram " + i).getBytes();
                client.send(new DatagramPacket(data, data.length, InetAddress.getByName("127.0.0.1"), server.port()));
                DatagramPacket reply = new DatagramPacket(new byte[64], 64);
                client.receive(reply);
                assertEquals("datagram " + i, new String(reply.getData(), 0, reply.getLength()), kind + " echo " + i);
            }
        } finally {
            server.stop().close();
        }
    }
}
