package io.usockets.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report computes medians, per-round ratios and per-connection bytes from run.sh's files, and draws PNGs. */
class ReportTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    /** Each named file in {@code dir} starts like a PNG image. */
    private static void assertPngs(Path dir, String... names) throws IOException {
        for (String png : names) {
            byte[] head = new byte[4];
            System.arraycopy(Files.readAllBytes(dir.resolve(png)), 0, head, 0, 4);
            assertArrayEquals(PNG_MAGIC, head, png);
        }
    }

    @Test
    void writesMediansRatiosMemoryAndCharts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("throughput.tsv"), String.join("\n",
                "# round\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request\tserver_user_us_per_request",
                "1\tusockets-nio\t300\t0\t3.0\t1.0", "1\tnetty-nio\t100\t0\t6.0\t3.0",
                "2\tusockets-nio\t100\t0\t4.0\t1.5", "2\tnetty-nio\t100\t2\t6.0\t3.0",
                "3\tusockets-nio\t200\t0\t5.0\t2.0", "3\tnetty-nio\t400\t0\t7.0\t3.0", ""));
        Files.writeString(dir.resolve("memory.tsv"), String.join("\n",
                "usockets-nio\t1000\t1000000\t1500000\t10000\t11000",
                "netty-nio\t1000\t1000000\t3000000\t10000\t14000", ""));
        Report.main(new String[] {dir.toString()});

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| usockets-nio | 300 | 100 | 200 | **200** | 0 | 4.00 | 1.50 |"), md);
        assertTrue(md.contains("| netty-nio | 100 | 100 | 400 | **100** | 2 | 6.00 | 3.00 |"), md);
        assertTrue(md.contains("| netty-nio / usockets-nio | **1.50** | 2.00 |"), md);
        assertTrue(md.contains("| usockets-nio / netty-nio | 3.00, 1.00, 0.50 | **1.00** | ≥ 1.0 |"), md);
        assertTrue(md.contains("| usockets-nio | 1000 | **500** | 1,024 |"), md);
        assertTrue(md.contains("| netty-nio / usockets-nio | **4.0** |"), md);
        assertPngs(dir, "requests-per-second.png", "memory-per-connection.png");
    }

    @Test
    void writesThePipelinedRunsInTheirOwnSectionsAndCharts(@TempDir Path dir) throws Exception {
        String header = "# round\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request\tserver_user_us_per_request";
        Files.writeString(dir.resolve("pipelined-throughput.tsv"), String.join("\n", header,
                "1\tusockets-native\t2000000\t0\t0.5\t0.25", "1\tnetty-epoll\t1000000\t0\t1.0\t0.5",
                "2\tusockets-native\t1800000\t0\t0.6\t0.3", "2\tnetty-epoll\t1200000\t0\t0.9\t0.45",
                "3\tusockets-native\t2100000\t0\t0.5\t0.25", "3\tnetty-epoll\t1500000\t0\t0.8\t0.4", ""));
        Files.writeString(dir.resolve("tls-pipelined-throughput.tsv"), String.join("\n", header,
                "1\tusockets-native-tls\t900000\t0\t1.1\t0.55", "1\tnode-https\t100000\t0\t10.0\t5", ""));
        Report.main(new String[] {dir.toString()});

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("## Requests per second, http-load pipelined"), md);
        assertTrue(md.contains("| usockets-native / netty-epoll | 2.00, 1.50, 1.40 | **1.50** | ≥ 1.1 |"), md);
        assertTrue(md.contains("## TLS: requests per second, http-load --ssl pipelined"), md);
        assertTrue(md.contains("| usockets-native-tls / node-https | 9.00 | **9.00** | ≥ 2.0 |"), md);
        assertTrue(md.contains("| node-https / usockets-native-tls | **9.09** | 9.09 |"), md);
        assertFalse(md.contains("## Requests per second, wrk"), "no wrk run, no section for it: " + md);
        assertPngs(dir, "pipelined-requests-per-second.png", "tls-pipelined-requests-per-second.png");
        assertTrue(Files.notExists(dir.resolve("requests-per-second.png")), "no wrk run, no chart");
    }

    @Test
    void writesTlsRequestsAndHandshakesWithServerCpuRatiosAndCharts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tls-throughput.tsv"), String.join("\n",
                "# round\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request\tserver_user_us_per_request",
                "1\tusockets-native-tls\t1200\t0\t5.0\t2.5", "1\tnetty-epoll-tls\t1000\t0\t8.0\t4",
                "1\tnode-https\t400\t1\t20.0\t10",
                "2\tusockets-native-tls\t900\t0\t4.0\t2", "2\tnetty-epoll-tls\t1000\t0\t9.0\t4.5",
                "2\tnode-https\t500\t0\t21.0\t10.5",
                "3\tusockets-native-tls\t1500\t0\t6.0\t3", "3\tnetty-epoll-tls\t1000\t0\t10.0\t5",
                "3\tnode-https\t500\t0\t19.0\t9.5", ""));
        Files.writeString(dir.resolve("handshakes.tsv"), String.join("\n",
                "# round\tserver\thandshakes_per_second\terrors\tserver_cpu_us_per_handshake\tserver_user_us_per_handshake",
                "1\tusockets-native-tls\t2000\t0\t150\t75", "1\tnetty-epoll-tls\t1000\t0\t300\t150",
                "2\tusockets-native-tls\t3000\t0\t170\t85", "2\tnetty-epoll-tls\t1000\t3\t310\t155",
                "3\tusockets-native-tls\t1000\t0\t160\t80", "3\tnetty-epoll-tls\t2000\t0\t320\t160", ""));
        Report.main(new String[] {dir.toString()});

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| usockets-native-tls | 1,200 | 900 | 1,500 | **1,200** | 0 | 5.00 | 2.50 |"), md);
        assertTrue(md.contains("| node-https | 400 | 500 | 500 | **500** | 1 | 20.00 | 10.00 |"), md);
        assertTrue(md.contains("| usockets-native-tls / netty-epoll-tls | 1.20, 0.90, 1.50 | **1.20** | ≥ 1.2 |"), md);
        assertTrue(md.contains("| usockets-native-tls / node-https | 3.00, 1.80, 3.00 | **3.00** | ≥ 2.0 |"), md);
        assertTrue(md.contains("| netty-epoll-tls / usockets-native-tls | **1.80** | 1.80 |"), md);
        assertTrue(md.contains("| node-https / usockets-native-tls | **4.00** | 4.00 |"), md);
        assertTrue(md.contains("| usockets-native-tls | 2,000 | 3,000 | 1,000 | **2,000** | 0 | 160.00 | 80.00 |"), md);
        assertTrue(md.contains("| netty-epoll-tls | 1,000 | 1,000 | 2,000 | **1,000** | 3 | 310.00 | 155.00 |"), md);
        assertTrue(md.contains("| usockets-native-tls / netty-epoll-tls | 2.00, 3.00, 0.50 | **2.00** |  |"), md);
        assertTrue(md.contains("| netty-epoll-tls / usockets-native-tls | **1.94** | 1.94 |"), md);
        assertPngs(dir, "tls-requests-per-second.png", "tls-handshakes-per-second.png");
        assertTrue(Files.notExists(dir.resolve("requests-per-second.png")), "no plain run, no plain chart");
    }

    @Test
    void writesTheSendSizeSweepPerSizeWithRatiosAgainstTheBestPeerAndCharts(@TempDir Path dir) throws Exception {
        String header = "# size\tround\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request"
                + "\tserver_user_us_per_request";
        Files.writeString(dir.resolve("sizes.tsv"), String.join("\n", header,
                "16\t1\tusockets-native\t100000\t0\t5.0\t1.0", "16\t1\tnode-net\t50000\t0\t20.0\t10.0",
                "16\t1\tnetty-epoll\t80000\t0\t10.0\t3.0",
                "16\t2\tusockets-native\t120000\t0\t7.0\t1.0", "16\t2\tnode-net\t60000\t0\t20.0\t10.0",
                "16\t2\tnetty-epoll\t80000\t0\t14.0\t3.0",
                "524288\t1\tusockets-native\t4000\t0\t200.0\t20.0", "524288\t1\tnode-net\t3000\t0\t300.0\t50.0",
                "524288\t1\tnetty-epoll\t5000\t0\t200.0\t30.0", ""));
        Files.writeString(dir.resolve("tls-sizes.tsv"), String.join("\n", header,
                "1024\t1\tusockets-native-tls\t50000\t0\t12.0\t4.0", "1024\t1\tnode-tls\t20000\t0\t40.0\t20.0",
                ""));
        Report.main(new String[] {dir.toString()});

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| server | 16 B | 512 KiB |"), md);
        assertTrue(md.contains("| usockets-native | 110,000 | 4,000 |"), md);
        assertTrue(md.contains("| node-net | 20.00 (10.00) | 300.00 (50.00) |"), md);
        // 16 B: 110 000 / 80 000 (netty-epoll is the best peer); node's CPU 20 / 6, netty's 12 / 6.
        assertTrue(md.contains("| 16 B | **1.38** (netty-epoll) | 3.33 | 2.00 |"), md);
        assertTrue(md.contains("| 512 KiB | **0.80** (netty-epoll) | 1.50 | 1.00 |"), md);
        assertTrue(md.contains("| 1 KiB | **2.50** (node-tls) | 3.33 |"), md);
        assertPngs(dir, "sizes-requests-per-second.png", "sizes-cpu-per-request.png",
                "tls-sizes-requests-per-second.png", "tls-sizes-cpu-per-request.png");
    }

    @Test
    void malformedRowNamesFileAndLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("throughput.tsv"), "1\tusockets-nio\t300\t0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Report.main(new String[] {dir.toString()}));
        assertTrue(e.getMessage().contains("throughput.tsv:1 has 4 columns; expected 6"), e.getMessage());
    }

    @Test
    void medianOfEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Rounds.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertEquals(Double.NaN, Rounds.median(List.of()));
    }
}
