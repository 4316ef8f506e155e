package io.usockets.examples;

import io.usockets.Socket;

import java.nio.ByteBuffer;

/**
 * One fixed message (an HTTP response or request) held in a direct buffer several times over, so that a socket
 * owing {@code n} copies writes them in one call and a short write resumes mid-message without allocating.
 *
 * <p>What a socket still owes lives in its own small {@link Owed} extension: the count of messages not yet fully
 * written and how far into the first of them the kernel got. Single-threaded: one instance per loop; loops share the
 * memory through {@link #forAnotherLoop()}.
 */
final class RepeatedMessage {

    /** A socket's unwritten messages: {@code count} owed, the first of them written up to {@code offset}. */
    static class Owed {
        /** Messages not yet fully written. */
        int count;
        /** Bytes of the first owed message already written. */
        int offset;
    }

    private final int length;
    private final int copies;
    private final ByteBuffer view;

    /** Holds {@code copies} back-to-back copies of {@code message}. */
    RepeatedMessage(byte[] message, int copies) {
        if (message.length == 0 || copies < 1) {
            throw new IllegalArgumentException("message of " + message.length + " bytes repeated " + copies
                    + " times; expected a non-empty message and 1 copy or more");
        }
        this.length = message.length;
        this.copies = copies;
        ByteBuffer all = ByteBuffer.allocateDirect(message.length * copies);
        for (int i = 0; i < copies; i++) {
            all.put(message);
        }
        all.flip();
        this.view = all.asReadOnlyBuffer();
    }

    private RepeatedMessage(int length, int copies, ByteBuffer view) {
        this.length = length;
        this.copies = copies;
        this.view = view;
    }

    /**
     * The same messages for another loop: the memory is shared (it is only read), the position and limit are the new
     * instance's own, so each loop's thread writes from its own view.
     */
    RepeatedMessage forAnotherLoop() {
        return new RepeatedMessage(length, copies, view.duplicate());
    }

    /** The length of one message in bytes. */
    int length() {
        return length;
    }

    /**
     * Writes what {@code owed} says the socket still owes, as far as the kernel takes it; returns true when all of
     * it is written, false after a short write (the socket's onWritable then calls this again). A closed socket
     * takes nothing and returns false.
     */
    boolean writeOwed(Socket<?> socket, Owed owed) {
        while (owed.count > 0) {
            int messages = Math.min(owed.count, copies);
            view.limit(messages * length).position(owed.offset);
            int written = socket.write(view, false);
            int done = owed.offset + written;
            owed.count -= done / length;
            owed.offset = done % length;
            if (view.hasRemaining()) {
                return false;
            }
        }
        return true;
    }
}
