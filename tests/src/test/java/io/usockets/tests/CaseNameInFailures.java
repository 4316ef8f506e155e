package io.usockets.tests;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Puts the case a failure comes from at the start of its message: "[native, TLS] onClose once: ..." for a
 * parameterized case (its display name: backend and mode, see junit-platform.properties), and "on the native fallback
 * route" in the {@code native-fallback-route} execution. Surefire's console names a failed case "method(String,
 * Mode)[3]"; with this its message says which backend and mode failed. Registered for every test of this module
 * through junit-platform.properties (extension autodetection). Aborted tests (assumptions) pass through unchanged.
 */
public final class CaseNameInFailures implements TestExecutionExceptionHandler {

    /** A non-assertion exception of a test, with the case named in its message; the original is its cause. */
    static final class CaseFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CaseFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        String name = caseName(context);
        if (name == null || thrown instanceof TestAbortedException
                || (thrown instanceof Error && !(thrown instanceof AssertionError))) {
            throw thrown;
        }
        String prefix = "[" + name + "] ";
        String message = thrown.getMessage() == null ? "" : thrown.getMessage();
        if (message.startsWith(prefix)) {
            throw thrown;
        }
        Throwable named;
        if (thrown instanceof AssertionFailedError afe && afe.isExpectedDefined() && afe.isActualDefined()) {
            named = new AssertionFailedError(prefix + message, afe.getExpected().getValue(),
                    afe.getActual().getValue(), afe.getCause());
        } else if (thrown instanceof AssertionError) {
            named = new AssertionFailedError(prefix + message, thrown.getCause());
        } else {
            named = new CaseFailure(prefix + thrown, thrown);
        }
        named.setStackTrace(thrown.getStackTrace());
        if (named instanceof AssertionError) {
            for (Throwable suppressed : thrown.getSuppressed()) {
                named.addSuppressed(suppressed);
            }
        }
        throw named;
    }

    /** "native, TLS" (plus the route), the route alone for a plain test there, or null when there is nothing to add. */
    static String caseName(ExtensionContext context) {
        boolean invocation = context.getUniqueId().contains("[test-template-invocation:");
        boolean fallback = "handler".equals(System.getProperty("usockets.native.route"));
        String route = fallback ? FallbackRouteDisplayNames.SUFFIX.trim() : null;
        if (invocation) {
            return route == null ? context.getDisplayName() : context.getDisplayName() + " " + route;
        }
        return route;
    }
}
