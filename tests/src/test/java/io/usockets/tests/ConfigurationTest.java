package io.usockets.tests;

import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.SocketContextOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backend selection and the modules an error message asks for. */
class ConfigurationTest {

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void loopOptionPicksTheBackend(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            assertEquals(Backends.backendOf(backend), tl.call(() -> tl.loop().backend()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void systemPropertyPicksTheBackendWhenTheOptionIsUnset(String caseName) {
        String backend = Backends.backendOf(caseName);
        String before = System.getProperty("usockets.backend");
        System.setProperty("usockets.backend", backend);
        try {
            Loop loop = Loop.create();
            try {
                assertEquals(backend, loop.backend());
            } finally {
                loop.free();
            }
        } finally {
            if (before == null) {
                System.clearProperty("usockets.backend");
            } else {
                System.setProperty("usockets.backend", before);
            }
        }
    }

    @Test
    void aBackendMissingFromTheClassPathNamesItsModule() {
        if (Loop.availableBackends().contains("vertx")) {
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Loop.create(LoopOptions.builder().backend("vertx").build()));
        assertTrue(e.getMessage().contains("io.usockets:usockets-backend-vertx"), e.getMessage());
    }

    @Test
    void anUnknownBackendListsTheKnownOnes() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Loop.create(LoopOptions.builder().backend("kqueue").build()));
        assertTrue(e.getMessage().contains("kqueue") && e.getMessage().contains("nio")
                && e.getMessage().contains("io_uring"), e.getMessage());
    }

    @Test
    void aForeignLoopHintWithoutTheVertxBackendNamesItsModule() {
        if (Loop.availableBackends().contains("vertx")) {
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Loop.create(LoopOptions.builder().hint(new Object()).build()));
        assertTrue(e.getMessage().contains("usockets-backend-vertx"), e.getMessage());
    }

    /**
     * Without usockets-ssl a TLS context names the module to add; with it (as on this class path once the ssl
     * module exists) a missing certificate file is named instead.
     */
    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void tlsWithoutTheSslModuleNamesIt(String backend) {
        boolean sslPresent = java.util.ServiceLoader.load(io.usockets.core.spi.TlsSupport.class).findFirst().isPresent();
        try (TestLoop tl = TestLoop.start(backend)) {
            Class<? extends RuntimeException> expectedType =
                    sslPresent ? IllegalArgumentException.class : IllegalStateException.class;
            RuntimeException e = assertThrows(expectedType,
                    () -> tl.call(() -> tl.loop().createSocketContext(SocketContextOptions.tls("cert.pem", "key.pem"))));
            String expected = sslPresent ? "certFile 'cert.pem'" : "io.usockets:usockets-ssl";
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        }
    }

    @Test
    void loopOptionsRejectOutOfRangeValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoopOptions.builder().receiveBufferSize(10).build());
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LoopOptions.builder().timeoutGranularity(java.time.Duration.ZERO).build());
        IllegalArgumentException delay = assertThrows(IllegalArgumentException.class,
                () -> LoopOptions.builder().connectAttemptDelay(java.time.Duration.ofMillis(-1)).build());
        assertTrue(delay.getMessage().contains("connectAttemptDelay"), delay.getMessage());
        IllegalArgumentException ttl = assertThrows(IllegalArgumentException.class,
                () -> LoopOptions.builder().resolveCacheTtl(java.time.Duration.ofDays(2)).build());
        assertTrue(ttl.getMessage().contains("resolveCacheTtl"), ttl.getMessage());
        LoopOptions defaults = LoopOptions.defaults();
        assertEquals(java.time.Duration.ofMillis(250), defaults.connectAttemptDelay(), "default attempt delay");
        assertEquals(java.time.Duration.ofSeconds(30), defaults.resolveCacheTtl(), "default cache TTL");
        assertEquals(defaults, defaults.toBuilder().build(), "toBuilder keeps every option");
    }
}
