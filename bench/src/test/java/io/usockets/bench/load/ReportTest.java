package io.usockets.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report computes medians, per-round ratios and per-connection bytes from run.sh's files, and draws PNGs. */
class ReportTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    @Test
    void writesMediansRatiosMemoryAndCharts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("throughput.tsv"), String.join("\n",
                "# round\tserver\trequests_per_second\terrors",
                "1\tusockets-nio\t300\t0", "1\tnetty-nio\t100\t0",
                "2\tusockets-nio\t100\t0", "2\tnetty-nio\t100\t2",
                "3\tusockets-nio\t200\t0", "3\tnetty-nio\t400\t0", ""));
        Files.writeString(dir.resolve("memory.tsv"), String.join("\n",
                "usockets-nio\t1000\t1000000\t1500000\t10000\t11000",
                "netty-nio\t1000\t1000000\t3000000\t10000\t14000", ""));
        Report.main(new String[] {dir.toString()});

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| usockets-nio | 300 | 100 | 200 | **200** | 0 |"), md);
        assertTrue(md.contains("| netty-nio | 100 | 100 | 400 | **100** | 2 |"), md);
        assertTrue(md.contains("| usockets-nio / netty-nio | 3.00, 1.00, 0.50 | **1.00** | ≥ 1.0 |"), md);
        assertTrue(md.contains("| usockets-nio | 1000 | **500** | 1,024 |"), md);
        assertTrue(md.contains("| netty-nio / usockets-nio | **4.0** |"), md);
        for (String png : List.of("requests-per-second.png", "memory-per-connection.png")) {
            byte[] head = new byte[4];
            System.arraycopy(Files.readAllBytes(dir.resolve(png)), 0, head, 0, 4);
            assertArrayEquals(PNG_MAGIC, head, png);
        }
    }

    @Test
    void malformedRowNamesFileAndLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("throughput.tsv"), "1\tusockets-nio\t300\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Report.main(new String[] {dir.toString()}));
        assertTrue(e.getMessage().contains("throughput.tsv:1 has 3 columns; expected 4"), e.getMessage());
    }

    @Test
    void medianOfEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Report.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertEquals(Double.NaN, Report.median(List.of()));
    }
}
