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
        assertTrue(e.getMessage().contains("kqueue") && e.getMessage().contains("nio"), e.getMessage());
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

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void tlsWithoutTheSslModuleNamesIt(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tl.call(
                    () -> tl.loop().createSocketContext(SocketContextOptions.tls("cert.pem", "key.pem"))));
            assertTrue(e.getMessage().contains("io.usockets:usockets-ssl"), e.getMessage());
        }
    }

    @Test
    void loopOptionsRejectOutOfRangeValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoopOptions.builder().receiveBufferSize(10).build());
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LoopOptions.builder().timeoutGranularity(java.time.Duration.ZERO).build());
    }
}
