package io.usockets.examples;

import io.usockets.Loop;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Shared test helpers: the backends every smoke test runs on, and a captured output stream. */
final class ExampleBackends {

    private ExampleBackends() {
    }

    /** Method source for {@code @ParameterizedTest}: every backend on the test class path that loads here. */
    static List<String> names() {
        List<String> names = Loop.availableBackends();
        if (names.isEmpty()) {
            throw new IllegalStateException("no backend on the test class path");
        }
        return names;
    }

    /** A print stream whose text can be read back. */
    static final class Captured {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        /** What was printed so far. */
        String text() {
            stream.flush();
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
