package io.usockets.tests.tls;

import io.usockets.Loop;
import io.usockets.SocketContext;
import io.usockets.SocketContextOptions;
import io.usockets.ssl.Tls;
import io.usockets.tests.TestLoop;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Freeing a TLS context releases its native TLS objects (issue 15's leak gate for TLS), counted: 10 000 cycles each
 * create a server context from PEM, add one SNI name with a certificate of its own, and free the context. After every
 * cycle the live native {@code SSL_CTX}s, parsed chain-and-key pairs and {@code SSL}s (the key check uses a scratch
 * one) are back at their baselines; while a context lives they are up by the expected amounts, so the counters
 * count. Backend-independent: it runs once, on the default backend.
 *
 * <p>Resident memory is no measure here: freed native memory stays in the allocator's free lists, the collector's
 * own work and the direct buffers of PEM parsing move it by megabytes either way.
 */
class ContextReleaseTest {

    private static final int CYCLES = 10_000;
    private static final int BATCH = 250;

    @Test
    void tenThousandCreateFreeCyclesReleaseEveryNativeTlsObject() {
        long contexts = Tls.liveSslContexts();
        long keys = Tls.liveKeyMaterial();
        long ssl = Tls.liveSslObjects();
        SocketContextOptions options = TlsSupport.serverOptions();
        SocketContextOptions sni = SocketContextOptions.tlsFromPem(TlsSupport.UNTRUSTED_SERVER.certificatePem(),
                TlsSupport.UNTRUSTED_SERVER.privateKeyPem());
        try (TestLoop tl = TestLoop.start(Loop.availableBackends().get(0))) {
            // In batches, so that no single wait on the loop thread grows long on a loaded machine.
            for (int done = 0; done < CYCLES; done += BATCH) {
                int first = done;
                tl.run(() -> {
                    for (int i = first; i < first + BATCH; i++) {
                        SocketContext<Void, Void> ctx = tl.loop().createSocketContext(options);
                        ctx.addServerName("sni.test", sni, null);
                        if (i == 0) {
                            assertEquals(contexts + 2, Tls.liveSslContexts(), "a live context's native SSL_CTXs");
                            assertEquals(keys + 2, Tls.liveKeyMaterial(), "a live context's chains and keys (its"
                                    + " own and its SNI name's)");
                        }
                        ctx.free();
                        if (Tls.liveSslContexts() != contexts || Tls.liveKeyMaterial() != keys
                                || Tls.liveSslObjects() != ssl) {
                            throw new AssertionError("cycle " + i + ": native objects alive after free: "
                                    + Tls.liveSslContexts() + " SSL_CTX (baseline " + contexts + "), "
                                    + Tls.liveKeyMaterial() + " chains and keys (" + keys + "), "
                                    + Tls.liveSslObjects() + " SSL (" + ssl + ")");
                        }
                    }
                });
            }
        }
        TlsSupport.assertNoLiveSslContexts(contexts);
        assertEquals(keys, Tls.liveKeyMaterial(), "chains and keys alive at the end");
    }
}
