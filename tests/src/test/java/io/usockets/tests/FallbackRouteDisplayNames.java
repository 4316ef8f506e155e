package io.usockets.tests;

import org.junit.jupiter.api.DisplayNameGenerator;

/**
 * Display names of the {@code native-fallback-route} surefire execution (tests/pom.xml), which runs the core
 * scenarios again with {@code usockets.native.route=handler}: every class is named "... on the native fallback
 * route", so its reports and console lines say which run a failure comes from.
 */
public final class FallbackRouteDisplayNames extends DisplayNameGenerator.Standard {

    /** What a class's name gets in that execution. */
    static final String SUFFIX = " on the native fallback route";

    @Override
    public String generateDisplayNameForClass(Class<?> testClass) {
        return super.generateDisplayNameForClass(testClass) + SUFFIX;
    }
}
