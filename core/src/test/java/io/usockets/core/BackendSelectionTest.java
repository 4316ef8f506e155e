package io.usockets.core;

import io.usockets.LoopOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With no backend on the class path (core's own tests), every choice fails naming the module to add. */
class BackendSelectionTest {

    @Test
    void noBackendOnTheClassPathNamesTheNioModule() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Backends.choose(LoopOptions.builder().build()));
        assertTrue(e.getMessage().contains("io.usockets:usockets-backend-nio"), e.getMessage());
    }

    @Test
    void aNamedBackendNamesItsModule() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Backends.choose(LoopOptions.builder().backend("native").build()));
        assertTrue(e.getMessage().contains("io.usockets:usockets-backend-native"), e.getMessage());
    }
}
