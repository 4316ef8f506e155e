package io.usockets.tests.tls;

import io.usockets.Loop;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Tls;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Freeing a TLS context releases its native TLS objects (issue 15's leak gate for TLS): 10 000 cycles each create a
 * server context from PEM with one SNI name (its own PEM, so its own native contexts) and free it. The native
 * {@code SSL_CTX} count returns to its baseline after every cycle, and the process's resident memory after the
 * cycles stays below what just 1 000 contexts cost while alive (measured here too), so a leak of any native object
 * of a context (chain, key, {@code SSL_CTX}) of a tenth of a context per cycle would fail. Backend-independent: it
 * runs once, on the default backend.
 */
class ContextReleaseTest {

    private static final int CYCLES = 10_000;
    private static final int WARM_UP = 1_000;
    private static final int HELD = 1_000;
    private static final int BATCH = 250;

    @Test
    void tenThousandCreateFreeCyclesReleaseEveryNativeTlsObject() {
        long contextBaseline = Tls.liveSslContexts();
        SocketContextOptions options = TlsSupport.serverOptions();
        SocketContextOptions sni = SocketContextOptions.tlsFromPem(TlsSupport.UNTRUSTED_SERVER.certificatePem(),
                TlsSupport.UNTRUSTED_SERVER.privateKeyPem());
        try (TestLoop tl = TestLoop.start(Loop.availableBackends().get(0))) {
            long before = 0;
            // In batches, so that no single wait on the loop thread grows long on a loaded machine.
            for (int done = 0; done < CYCLES; done += BATCH) {
                if (done == WARM_UP) {
                    before = residentBytes();
                }
                int first = done;
                tl.run(() -> {
                    for (int i = first; i < first + BATCH; i++) {
                        SocketContext<Void, Void> ctx = tl.loop().createSocketContext(options);
                        ctx.addServerName("sni.test", sni, null);
                        ctx.free();
                        long live = Tls.liveSslContexts();
                        if (live != contextBaseline) {
                            throw new AssertionError("cycle " + i + ": " + live + " native SSL contexts alive after"
                                    + " free, baseline " + contextBaseline);
                        }
                    }
                });
            }
            long afterCycles = residentBytes();
            // The yardstick: what HELD contexts cost while they are alive.
            List<SocketContext<Void, Void>> held = new ArrayList<>();
            for (int done = 0; done < HELD; done += BATCH) {
                tl.run(() -> {
                    for (int i = 0; i < BATCH; i++) {
                        SocketContext<Void, Void> ctx = tl.loop().createSocketContext(options);
                        ctx.addServerName("sni.test", sni, null);
                        held.add(ctx);
                    }
                });
            }
            long withHeld = residentBytes();
            long heldNative = Tls.liveSslContexts() - contextBaseline;
            tl.run(() -> held.forEach(SocketContext::free));
            long cycled = afterCycles - before;
            long heldCost = withHeld - afterCycles;
            System.out.printf("TLS contexts: RSS grew %d bytes over %d create/free cycles; %d live contexts cost %d"
                    + " bytes (%d native SSL_CTX)%n", cycled, CYCLES - WARM_UP, HELD, heldCost, heldNative);
            assertTrue(heldNative >= 2L * HELD, "each held context counts its native contexts: " + heldNative);
            assertTrue(cycled < heldCost, "resident memory grew " + cycled + " bytes over " + (CYCLES - WARM_UP)
                    + " create/free cycles, more than " + HELD + " live contexts cost (" + heldCost + ")");
        }
        TlsSupport.assertNoLiveSslContexts(contextBaseline);
    }

    /** The process's resident set (VmRSS of /proc/self/status), in bytes. */
    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/status", e);
        }
        throw new AssertionError("no VmRSS in /proc/self/status");
    }
}
