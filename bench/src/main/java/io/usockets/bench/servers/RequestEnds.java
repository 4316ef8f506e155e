package io.usockets.bench.servers;

/**
 * Counts HTTP request ends ({@code \r\n\r\n}) in a connection's byte stream, the way the usockets http-server example
 * does, so that every comparison server answers each request once however the requests are split or pipelined
 * across reads. Requests are assumed to have no body. One instance per connection; not thread-safe.
 */
final class RequestEnds {

    private static final byte[] END = {'\r', '\n', '\r', '\n'};

    /** Bytes of a request end matched at the end of the data seen so far. */
    private int matched;

    /** Feeds one byte; returns true when it completes a request end. */
    boolean next(byte b) {
        if (b == END[matched]) {
            if (++matched == END.length) {
                matched = 0;
                return true;
            }
            return false;
        }
        matched = b == '\r' ? 1 : 0;
        return false;
    }
}
