package io.usockets.tests;

import io.usockets.Loop;

import java.util.ArrayList;
import java.util.List;

/**
 * The cases the conformance suite runs: every backend on the test class path that loads here, plus, for the Vert.x
 * backends, their embedded case (a loop created with a Vert.x hint; see {@link EmbeddedVertx}).
 */
public final class Backends {

    private Backends() {
    }

    /** Method source for {@code @ParameterizedTest}: one case per backend, two for the Vert.x backends. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (String backend : Loop.availableBackends()) {
            names.add(backend);
            if (EmbeddedVertx.embeds(backend)) {
                names.add(backend + EmbeddedVertx.SUFFIX);
            }
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("no backend on the test class path");
        }
        return names;
    }

    /** The backend a case runs on (the case name without the embedded suffix). */
    public static String backendOf(String caseName) {
        return EmbeddedVertx.backendOf(caseName);
    }
}
