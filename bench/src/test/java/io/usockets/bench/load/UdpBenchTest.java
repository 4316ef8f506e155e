package io.usockets.bench.load;

import io.usockets.bench.servers.UdpServers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UDP bench's client keeps datagrams flowing against an echo server, and its report is written. */
class UdpBenchTest {

    @Test
    void clientKeepsFortyDatagramsInFlightAgainstAnEchoServer() throws Exception {
        UdpServers.Started server = UdpServers.start("usockets-nio", 0);
        try (UdpBench.Client client = UdpBench.Client.start("nio", server.port())) {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (client.echoed.get() < 10_000 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(client.echoed.get() >= 10_000, "echoes within 20 s: " + client.echoed.get());
        } finally {
            server.stop().close();
        }
    }

    @Test
    void cpuTicksOfThisProcessAreReadFromProc() throws Exception {
        long ticks = UdpBench.cpuTicks(ProcessHandle.current().pid());
        assertTrue(ticks > 0, "CPU ticks of the test JVM: " + ticks);
    }

    @Test
    void reportHasTheTableTheRatiosAndTheCharts(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        UdpBench.write(List.of(new UdpBench.Result(1, "usockets-native", 100_000, 2.0, 0),
                new UdpBench.Result(1, "netty-epoll", 80_000, 4.0, 200),
                new UdpBench.Result(1, "node", 30_000, 10.0, Double.NaN)), dir, 1, 1, 1, "native");
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| usockets-native | 100,000 | 2.000 | 500,000 | 0.0 |"), md);
        assertTrue(md.contains("native / Netty epoll: 0.50"), md);
        assertTrue(md.contains("native / Node (Node's CPU per datagram over native's): 5.00"), md);
        assertTrue(Files.size(dir.resolve("udp-datagrams-per-second.png")) > 0, "chart");
        assertTrue(Files.readString(dir.resolve("udp.tsv")).contains("1\tnode\t30000\t10.0000\tNaN"), "tsv");
    }
}
