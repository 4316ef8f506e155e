package io.usockets.bench.soak;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The soak report passes flat runs, fails a creeping quantity or a failed operation, and draws a PNG per server. */
class SoakReportTest {

    private static void write(Path dir, boolean heapCreeps, long errors) throws Exception {
        StringBuilder samples = new StringBuilder("# minute\tserver\theap\trss\tfds\tnmt\tother\n");
        StringBuilder churn = new StringBuilder("# minute\ttarget\tops\terrors\tidle\tskipped\tp50\tp99\n");
        for (int minute = 1; minute <= 12; minute++) {
            long heap = 40L << 20;
            if (heapCreeps) {
                heap += minute * (1L << 20);
            }
            samples.append(minute).append("\tnative\t").append(heap).append("\t200000\t").append(30 + minute % 3)
                    .append("\t300000\t2048\n");
            samples.append(minute).append("\tnio-tls\t").append(50L << 20).append("\t210000\t35\t310000\t4096\n");
            churn.append(minute).append("\tnative\t1200\t").append(minute == 12 ? errors : 0).append("\t60\t0\t150\t900\n");
            churn.append(minute).append("\tnio-tls\t1200\t0\t60\t0\t400\t3000\n");
        }
        Files.writeString(dir.resolve("samples.tsv"), samples);
        Files.writeString(dir.resolve("churn.tsv"), churn);
    }

    @Test
    void aFlatRunPassesWithATableAndOneChartPerServer(@TempDir Path dir) throws Exception {
        write(dir, false, 0);
        assertTrue(SoakReport.report(dir, 5));
        String md = Files.readString(dir.resolve("soak.md"));
        assertTrue(md.contains("| native | 14400 | 0 | 720 | 0 |"), md);
        assertTrue(md.contains("| native | live heap after GC (MiB) | 40.00 | 40.00 | 40.00 | 0.00 | 0.00 | 4.00 | flat |"), md);
        assertTrue(md.contains("**Passed**"), md);
        assertTrue(Files.size(dir.resolve("soak-native.png")) > 0 && Files.size(dir.resolve("soak-nio-tls.png")) > 0);
    }

    @Test
    void aHeapGrowingOneMibAMinuteFails(@TempDir Path dir) throws Exception {
        write(dir, true, 0);
        assertFalse(SoakReport.report(dir, 5));
        String md = Files.readString(dir.resolve("soak.md"));
        // Minutes 5..12: 45..52 MiB, a rise of 7 MiB against max(10% of 48.5, 2) = 4.85 allowed.
        assertTrue(md.contains("| native | live heap after GC (MiB) | 45.00 | 52.00 | 48.50 | 1.00 | 7.00 | 4.85 | **trends up** |"),
                md);
        assertTrue(md.contains("**Failed**"), md);
    }

    @Test
    void aFailedChurnOperationFailsTheRun(@TempDir Path dir) throws Exception {
        write(dir, false, 3);
        assertFalse(SoakReport.report(dir, 5));
        assertTrue(Files.readString(dir.resolve("soak.md")).contains("| native | 14400 | 3 | 720 | 0 |"));
    }
}
