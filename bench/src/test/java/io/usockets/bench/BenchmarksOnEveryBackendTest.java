package io.usockets.bench;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs each benchmark's set-up, a few operations and its checks outside JMH on every backend BenchMain would
 * benchmark, so a benchmark that cannot run (or whose own checks fail) breaks the build, not the next JMH run.
 */
class BenchmarksOnEveryBackendTest {

    static List<String> backends() {
        List<String> backends = BenchMain.usableBackends();
        assertFalse(backends.isEmpty());
        return backends;
    }

    static List<Arguments> backendsPlainAndTls() {
        List<Arguments> cases = new ArrayList<>();
        for (String backend : backends()) {
            cases.add(Arguments.of(backend, false));
            cases.add(Arguments.of(backend, true));
        }
        return cases;
    }

    @ParameterizedTest
    @MethodSource("backendsPlainAndTls")
    void readySocketsIterationsEachReadEverySocket(String backend, boolean tls) throws Exception {
        ReadySocketsBenchmark b = new ReadySocketsBenchmark();
        b.backend = backend;
        b.tls = tls;
        b.sockets = 16;
        b.setUp();
        try {
            b.markIteration();
            long first = b.iteration();
            long last = first;
            for (int i = 0; i < 200; i++) {
                last = b.iteration();
            }
            assertEquals(first + 200, last, "one operation is one loop iteration");
            b.checkIteration(); // throws unless each iteration read exactly 16 messages
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void echoRoundTripsComeBackWhole(String backend) throws Exception {
        EchoRoundTripBenchmark b = new EchoRoundTripBenchmark();
        b.backend = backend;
        b.bytes = 64;
        b.setUp();
        try {
            for (int i = 0; i < 200; i++) {
                assertEquals(63, b.roundTrip(), "the last byte of the message comes back");
            }
            b.checkIteration();
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void connectBurstsOpenEverySocket(String backend) throws Exception {
        ConnectBenchmark b = new ConnectBenchmark();
        b.backend = backend;
        b.setUp();
        try {
            for (int i = 0; i < 5; i++) {
                assertEquals(0, b.connectByLiteral(), "connects of a burst that failed");
            }
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void usableBackendsCreateLoops(String backend) {
        assertTrue(io.usockets.Loop.availableBackends().contains(backend), backend);
    }
}
