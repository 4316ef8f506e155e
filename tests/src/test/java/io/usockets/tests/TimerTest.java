package io.usockets.tests;

import io.usockets.Loop;
import io.usockets.Timer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loop timers (µSockets' us_timer_t). Only counts and orders are asserted: after the last expected firing a witness
 * timer ({@link TestLoop#awaitTimer}) that is due later than any wrong extra firing must fire first.
 */
class TimerTest {

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void oneShotTimerFiresOnceOnTheLoopThread(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            AtomicReference<Timer<String>> timer = new AtomicReference<>();
            tl.run(() -> {
                Timer<String> t = tl.loop().createTimer(true);
                timer.set(t);
                t.set(fired -> log.add("fired:sameTimer=" + (fired == timer.get()) + ":loopThread="
                        + (Thread.currentThread() == tl.thread())), 30, 0);
            });
            log.await("fired:", 1);
            tl.awaitTimer(200); // a wrong second firing would be due before this witness
            assertEquals(List.of("fired:sameTimer=true:loopThread=true"), log.snapshot(), "a one-shot timer");
            assertEquals("false", tl.call(() -> String.valueOf(timer.get().isClosed())),
                    "a fired one-shot timer is not closed");
            tl.run(() -> timer.get().close());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void repeatingTimerFiresRepeatedlyUntilClosedInsideItsOwnCallback(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            AtomicInteger fired = new AtomicInteger();
            EventLog log = new EventLog();
            tl.run(() -> tl.loop().<Void>createTimer(true).set(t -> {
                int n = fired.incrementAndGet();
                if (n == 5) {
                    t.close();
                    log.add("closed:isClosed=" + t.isClosed());
                    t.close();
                }
            }, 10, 10));
            log.await("closed:", 1);
            tl.awaitTimer(50); // a wrong sixth firing would be due 10 ms after the fifth, before this witness
            assertEquals(5, fired.get(), "firings of a repeating timer closed at its fifth");
            assertEquals(List.of("closed:isClosed=true"), log.snapshot());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void setWithZeroDelayAndRepeatDisarmsAnArmedTimer(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            AtomicReference<Timer<Void>> disarmed = new AtomicReference<>();
            tl.run(() -> {
                Timer<Void> t = tl.loop().createTimer(true);
                disarmed.set(t);
                t.set(x -> log.add("disarmed-fired"), 300, 0);
                tl.loop().<Void>createTimer(true).set(x -> {
                    log.add("control-fired");
                    x.close();
                }, 300, 0);
            });
            tl.run(() -> disarmed.get().set(x -> log.add("disarmed-fired"), 0, 0));
            log.await("control-fired", 1);
            tl.awaitTimer(20); // the disarmed timer was due with the control timer, before this witness
            assertEquals(List.of("control-fired"), log.snapshot(), "the disarmed timer must not fire");
            // Disarmed is not closed: it can be armed again.
            tl.run(() -> {
                assertTrue(!disarmed.get().isClosed(), "set(cb, 0, 0) closed the timer");
                disarmed.get().set(x -> log.add("rearmed-fired"), 10, 0);
            });
            log.await("rearmed-fired", 1);
            tl.run(() -> disarmed.get().close());
        }
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void nonFallthroughTimerKeepsRunGoingUntilClosedEvenWhenDisarmed(String backend) {
        int baseline = TestLoop.descriptorBaseline();
        AtomicInteger ticks = new AtomicInteger();
        AtomicReference<String> stateAtClose = new AtomicReference<>();
        try (OwnLoop own = OwnLoop.start(backend, b -> { }, loop -> {
            // Never armed, but not fallthrough: it alone keeps run() going.
            Timer<Void> keeper = loop.createTimer(false);
            loop.<Void>createTimer(true).set(t -> {
                if (ticks.incrementAndGet() == 5) {
                    keeper.close();
                    stateAtClose.set("keeperClosed=" + keeper.isClosed() + ":tickerClosed=" + t.isClosed());
                }
            }, 10, 10);
        })) {
            assertTrue(own.awaitRunReturned(), "run() did not return after the non-fallthrough timer closed");
        }
        assertEquals(5, ticks.get(), "run() must go on until the keeper closes, then stop before the next tick");
        assertEquals("keeperClosed=true:tickerClosed=false", stateAtClose.get());
        TestLoop.assertNoDescriptorLeak(baseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void fallthroughTimerDoesNotKeepRunGoing(String backend) {
        int baseline = TestLoop.descriptorBaseline();
        AtomicInteger fallthroughFired = new AtomicInteger();
        AtomicReference<String> stateAtEnd = new AtomicReference<>();
        AtomicReference<Timer<Void>> fallthrough = new AtomicReference<>();
        try (OwnLoop own = OwnLoop.start(backend, b -> { }, loop -> {
            Timer<Void> ticker = loop.createTimer(true);
            fallthrough.set(ticker);
            ticker.set(t -> fallthroughFired.incrementAndGet(), 5, 5);
            loop.<Void>createTimer(false).set(t -> {
                t.close();
                stateAtEnd.set("fallthroughClosed=" + ticker.isClosed());
            }, 100, 0);
        })) {
            assertTrue(own.awaitRunReturned(), "run() did not return although only a fallthrough timer was left");
        }
        assertEquals("fallthroughClosed=false", stateAtEnd.get(), "the fallthrough timer was still armed");
        assertTrue(fallthroughFired.get() >= 1, "the fallthrough timer was running");
        TestLoop.assertNoDescriptorLeak(baseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void runReturnsAtOnceWhenOnlyAFallthroughTimerExists(String backend) {
        int baseline = TestLoop.descriptorBaseline();
        AtomicInteger fired = new AtomicInteger();
        try (OwnLoop own = OwnLoop.start(backend, b -> { }, loop ->
                loop.<Void>createTimer(true).set(t -> fired.incrementAndGet(), 60_000, 0))) {
            assertTrue(own.awaitRunReturned(), "run() did not return with nothing but a fallthrough timer");
        }
        assertEquals(0, fired.get());
        TestLoop.assertNoDescriptorLeak(baseline);
    }

    @ParameterizedTest
    @MethodSource("io.usockets.tests.Backends#names")
    void timerExtAndLoopRoundTrip(String backend) {
        try (TestLoop tl = TestLoop.start(backend)) {
            EventLog log = new EventLog();
            List<String> problems = tl.call(() -> {
                List<String> bad = new java.util.ArrayList<>();
                Loop loop = tl.loop();
                Timer<StringBuilder> t = loop.createTimer(true);
                if (t.ext() != null) {
                    bad.add("a new timer's ext is " + t.ext());
                }
                StringBuilder ext = new StringBuilder("ext");
                t.setExt(ext);
                if (t.ext() != ext) {
                    bad.add("ext() did not return what setExt stored");
                }
                if (t.loop() != loop) {
                    bad.add("loop() is not the creating loop");
                }
                if (t.isClosed()) {
                    bad.add("a new timer is closed");
                }
                t.close();
                t.close();
                if (!t.isClosed()) {
                    bad.add("isClosed() false after close()");
                }
                try {
                    t.set(x -> log.add("a closed timer fired"), 1, 0);
                } catch (IllegalStateException e) {
                    // Refusing to arm a closed timer is as good as ignoring it; it must only never fire.
                }
                if (t.loop() != loop) {
                    bad.add("loop() changed after close");
                }
                return bad;
            });
            assertEquals(List.of(), problems);
            tl.awaitTimer(20); // the closed timer was set for 1 ms: due before this witness
            assertEquals(List.of(), log.snapshot());
        }
    }
}
