package io.usockets.tests;

import io.usockets.Loop;
import io.usockets.LoopOptions;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the io_uring tests share: loops created under one of the backend's {@code -D} settings, the refusal of a bad
 * one, and a look at the backend's own fields (its receive ring, send area and counters).
 */
final class UringLoops {

    static final String BACKEND = "io_uring";

    private UringLoops() {
    }

    /** Starts an io_uring test loop with {@code -Dproperty=value} set while the loop is created, then restored. */
    static TestLoop startWith(String property, String value) {
        String previous = System.setProperty(property, value);
        try {
            return TestLoop.start(BACKEND);
        } finally {
            restore(property, previous);
        }
    }

    /**
     * Asserts that creating an io_uring loop with {@code -Dproperty=value} fails with an IllegalArgumentException whose
     * message names the property and contains {@code says}.
     */
    static void assertCreationRefused(String property, String value, String says) {
        String previous = System.setProperty(property, value);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Loop.create(LoopOptions.builder().backend(BACKEND).build()),
                    "[io_uring] a loop with -D" + property + "=" + value);
            assertTrue(e.getMessage().contains(property) && e.getMessage().contains(says),
                    "[io_uring] the message for -D" + property + "=" + value + ": " + e.getMessage());
        } finally {
            restore(property, previous);
        }
    }

    /** The loop's eventing (the backend's poller). */
    static Object eventing(Loop loop) {
        return field(loop, "eventing");
    }

    /** A field of {@code owner}'s own class, read by reflection. */
    static Object field(Object owner, String name) {
        try {
            Field f = owner.getClass().getDeclaredField(name);
            f.setAccessible(true);
            return f.get(owner);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read " + owner.getClass().getSimpleName() + "." + name, e);
        }
    }

    /** A no-argument method of {@code owner}'s own class, called by reflection. */
    static Object call(Object owner, String name) {
        try {
            Method m = owner.getClass().getDeclaredMethod(name);
            m.setAccessible(true);
            return m.invoke(owner);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot call " + owner.getClass().getSimpleName() + "." + name + "()", e);
        }
    }

    private static void restore(String property, String previous) {
        if (previous == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, previous);
        }
    }
}
