package io.usockets.tests;

import io.usockets.Loop;

import java.util.List;

/** The backends the conformance suite runs on: every backend on the test class path that loads here. */
public final class Backends {

    private Backends() {
    }

    /** Method source for {@code @ParameterizedTest}: one case per backend. */
    public static List<String> names() {
        List<String> names = Loop.availableBackends();
        if (names.isEmpty()) {
            throw new IllegalStateException("no backend on the test class path");
        }
        return names;
    }
}
