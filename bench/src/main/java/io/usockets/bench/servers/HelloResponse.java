package io.usockets.bench.servers;

import java.nio.charset.StandardCharsets;

/** The one response of the toy protocol every server in the comparison speaks: the http-server example's page. */
public final class HelloResponse {

    /** The page. */
    public static final String BODY = "<html><body><h1>Why hello there!</h1></body></html>";

    /** The body's bytes. */
    public static final byte[] BODY_BYTES = BODY.getBytes(StandardCharsets.US_ASCII);

    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Length: " + BODY_BYTES.length + "\r\n\r\n"
            + BODY).getBytes(StandardCharsets.US_ASCII);

    private HelloResponse() {
    }

    /** A fresh copy of the whole response: status line, Content-Length header, blank line, body. */
    public static byte[] bytes() {
        return RESPONSE.clone();
    }
}
