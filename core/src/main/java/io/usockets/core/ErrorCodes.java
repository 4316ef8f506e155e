package io.usockets.core;

import io.usockets.CloseCode;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;

/** Maps the exceptions backends throw to the portable {@link CloseCode}s. */
public final class ErrorCodes {

    private ErrorCodes() {
    }

    /**
     * The portable code for a failure; OTHER when nothing more specific fits.
     *
     * @param error what a socket operation threw
     * @return the portable code
     */
    public static CloseCode of(Throwable error) {
        if (error instanceof UnknownHostException) {
            return CloseCode.NAME_NOT_RESOLVED;
        }
        if (error instanceof NoRouteToHostException || error instanceof PortUnreachableException) {
            return CloseCode.UNREACHABLE;
        }
        if (error instanceof SocketTimeoutException) {
            return CloseCode.TIMED_OUT;
        }
        String message = error.getMessage() == null ? "" : error.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("refused")) {
            return CloseCode.REFUSED;
        }
        if (message.contains("unreachable") || message.contains("no route")) {
            return CloseCode.UNREACHABLE;
        }
        if (message.contains("timed out")) {
            return CloseCode.TIMED_OUT;
        }
        if (message.contains("reset") || message.contains("broken pipe")) {
            return CloseCode.RESET;
        }
        if (error instanceof ConnectException) {
            return CloseCode.REFUSED;
        }
        return CloseCode.OTHER;
    }

    /**
     * Whether an accept failed because descriptors ran out (EMFILE, ENFILE).
     *
     * @param error what accept threw
     * @return true for EMFILE or ENFILE
     */
    public static boolean isOutOfDescriptors(Throwable error) {
        String message = error.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("too many open files");
    }
}
