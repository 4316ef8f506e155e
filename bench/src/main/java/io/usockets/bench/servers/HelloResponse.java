package io.usockets.bench.servers;

import java.nio.charset.StandardCharsets;

/**
 * The one response of the toy protocol every server in the comparison speaks, once per request end
 * ({@code \r\n\r\n}, counted by {@link RequestEnds}), so pipelined requests each get theirs: the http-server
 * example's page ({@link #HELLO}), or, for the send-size sweep ({@code --response-size N}), a body of N bytes of the
 * letters a to z over and over, as the example's {@code --response-size} answers. Made once when a server starts,
 * never per request.
 */
public final class HelloResponse {

    /** The page. */
    public static final String BODY = "<html><body><h1>Why hello there!</h1></body></html>";

    /** The largest {@code --response-size}: 16 MiB, as the example's. */
    public static final int MAX_BODY_SIZE = 16 * 1024 * 1024;

    /** The hello page's response. */
    public static final HelloResponse HELLO = new HelloResponse(BODY.getBytes(StandardCharsets.US_ASCII));

    /** Most answers a server writes in one call: pipelined requests beyond this are answered in several writes. */
    private static final int MAX_COPIES = 64;
    /** The memory the copies may take: large responses get fewer copies (at least one), as in the example. */
    private static final int COPIES_BYTES = 1024 * 1024;

    private final byte[] body;
    private final byte[] response;
    private final int copies;

    private HelloResponse(byte[] body) {
        this.body = body;
        byte[] header = ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        response = new byte[header.length + body.length];
        System.arraycopy(header, 0, response, 0, header.length);
        System.arraycopy(body, 0, response, header.length, body.length);
        copies = Math.max(1, Math.min(MAX_COPIES, COPIES_BYTES / response.length));
    }

    /**
     * The response with a body of {@code bodySize} bytes, or the hello page's for a negative size; a size above
     * {@link #MAX_BODY_SIZE} is an IllegalArgumentException.
     */
    public static HelloResponse of(int bodySize) {
        if (bodySize < 0) {
            return HELLO;
        }
        if (bodySize > MAX_BODY_SIZE) {
            throw new IllegalArgumentException("response size " + bodySize + " is out of range; expected 0 to "
                    + MAX_BODY_SIZE);
        }
        byte[] body = new byte[bodySize];
        for (int i = 0; i < bodySize; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        return new HelloResponse(body);
    }

    /** A copy of the body's bytes. */
    public byte[] body() {
        return body.clone();
    }

    /** The length of one whole response in bytes. */
    public int length() {
        return response.length;
    }

    /** Most responses a server writes in one call (64, fewer for large responses, at least 1). */
    public int copies() {
        return copies;
    }

    /** A copy of the whole response: status line, Content-Length header, blank line, body. */
    public byte[] bytes() {
        return response.clone();
    }

    /** {@code n} back-to-back copies of the response, 1 to {@link #copies()}, for answering that many at once. */
    public byte[] repeated(int n) {
        if (n < 1 || n > copies) {
            throw new IllegalArgumentException("copies " + n + " is out of range; expected 1 to " + copies);
        }
        byte[] all = new byte[response.length * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(response, 0, all, i * response.length, response.length);
        }
        return all;
    }
}
