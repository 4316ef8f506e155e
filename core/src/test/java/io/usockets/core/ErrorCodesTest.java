package io.usockets.core;

import io.usockets.CloseCode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mapping from backend exceptions to portable close codes. */
class ErrorCodesTest {

    @Test
    void mapsTheJdkMessagesOfCommonFailures() {
        assertEquals(CloseCode.REFUSED, ErrorCodes.of(new ConnectException("Connection refused")));
        assertEquals(CloseCode.NAME_NOT_RESOLVED, ErrorCodes.of(new UnknownHostException("x.invalid")));
        assertEquals(CloseCode.UNREACHABLE, ErrorCodes.of(new NoRouteToHostException("No route to host")));
        assertEquals(CloseCode.UNREACHABLE, ErrorCodes.of(new IOException("Network is unreachable")));
        assertEquals(CloseCode.RESET, ErrorCodes.of(new IOException("Connection reset by peer")));
        assertEquals(CloseCode.RESET, ErrorCodes.of(new IOException("Broken pipe")));
        assertEquals(CloseCode.TIMED_OUT, ErrorCodes.of(new IOException("Connection timed out")));
        assertEquals(CloseCode.OTHER, ErrorCodes.of(new IOException("something else")));
        assertEquals(CloseCode.OTHER, ErrorCodes.of(new IOException()));
    }

    @Test
    void recognisesDescriptorExhaustion() {
        assertTrue(ErrorCodes.isOutOfDescriptors(new IOException("Too many open files")));
        assertTrue(ErrorCodes.isOutOfDescriptors(new IOException("Too many open files in system")));
        assertFalse(ErrorCodes.isOutOfDescriptors(new IOException("Connection reset")));
        assertFalse(ErrorCodes.isOutOfDescriptors(new IOException()));
    }
}
