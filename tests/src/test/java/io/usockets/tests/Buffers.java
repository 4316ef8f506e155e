package io.usockets.tests;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Text to buffers and back, for writing on us_* sockets and reading what onData was given. */
final class Buffers {

    private Buffers() {
    }

    /** ASCII text as a heap buffer. */
    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** The remaining bytes of a buffer as ASCII text, leaving its position alone. */
    static String ascii(ByteBuffer data) {
        return new String(copy(data), StandardCharsets.US_ASCII);
    }

    /** A copy of the remaining bytes of a (receive-buffer view) buffer, leaving its position alone. */
    static byte[] copy(ByteBuffer data) {
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    /** The remaining bytes of a buffer as ISO-8859-1 text, leaving its position alone. */
    static String text(ByteBuffer data) {
        return new String(copy(data), StandardCharsets.ISO_8859_1);
    }

    /** ISO-8859-1 text as a heap buffer. */
    static ByteBuffer buffer(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
