package io.usockets.bench.servers;

import java.nio.charset.StandardCharsets;

/**
 * The one response of the toy protocol every server in the comparison speaks: the http-server example's page, once
 * per request end ({@code \r\n\r\n}, counted by {@link RequestEnds}), so pipelined requests each get theirs.
 */
public final class HelloResponse {

    /** The page. */
    public static final String BODY = "<html><body><h1>Why hello there!</h1></body></html>";

    /** The body's bytes. */
    public static final byte[] BODY_BYTES = BODY.getBytes(StandardCharsets.US_ASCII);

    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Length: " + BODY_BYTES.length + "\r\n\r\n"
            + BODY).getBytes(StandardCharsets.US_ASCII);

    private HelloResponse() {
    }

    /** The length of one response in bytes. */
    public static final int LENGTH = RESPONSE.length;

    /** Most answers a server writes in one call: pipelined requests beyond this are answered in several writes. */
    public static final int COPIES = 64;

    /** A fresh copy of the whole response: status line, Content-Length header, blank line, body. */
    public static byte[] bytes() {
        return RESPONSE.clone();
    }

    /** {@code copies} back-to-back copies of the response, for answering that many pipelined requests at once. */
    public static byte[] repeated(int copies) {
        if (copies < 1) {
            throw new IllegalArgumentException("copies " + copies + ": expected 1 or more");
        }
        byte[] all = new byte[RESPONSE.length * copies];
        for (int i = 0; i < copies; i++) {
            System.arraycopy(RESPONSE, 0, all, i * RESPONSE.length, RESPONSE.length);
        }
        return all;
    }
}
