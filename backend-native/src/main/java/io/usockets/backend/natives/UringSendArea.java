package io.usockets.backend.natives;

import io.netty.channel.unix.Buffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One io_uring loop's bounded copy area for small writes: a write that the area takes is copied into a chunk, counts
 * as taken, and reaches the kernel as one {@code IORING_OP_SEND} submitted with the loop's next wait, so a response
 * costs no system call of its own. Every write the area does not take goes to the kernel by a system call at once, as
 * on epoll.
 *
 * <p>Per descriptor at most one chunk, open or sent:
 * <ul>
 * <li><b>none</b>: a write of at most {@value #CHUNK_SIZE} bytes, on a socket not corked, opens a free chunk and is
 * copied whole ({@link #write} returns its length); a larger one, or one that finds no free chunk, is for the system
 * call ({@link #DIRECT});</li>
 * <li><b>open</b> (copied, not yet submitted): later writes of the same iteration are appended as far as the chunk has
 * room, so every write of an iteration to one socket leaves as one send;</li>
 * <li><b>sent</b> (submitted, not yet completed): the send completes during the wait that submitted it unless the
 * kernel's send buffer is full, so a chunk still sent when the socket writes means the kernel takes nothing now, and
 * the write takes nothing ({@code 0}), as a system call would; the poller reports WRITABLE when the send
 * completes.</li>
 * </ul>
 * Sends carry {@code MSG_WAITALL}: the kernel sends the whole chunk (waiting for room as it needs) or fails. So bytes
 * the area took reach the socket in the order written, before any later write, and the area never holds more than
 * {@value #DEFAULT_CHUNKS} chunks (by default; {@value #CHUNKS_PROPERTY} sets another count, 0 turning the area off).
 *
 * <p>Memory, fixed per loop: the chunks (direct, 2 MiB by default) and 16 bytes per chunk of bookkeeping; 2 bytes per
 * descriptor number. Nothing is allocated per write or per send.
 *
 * <p>Single-threaded: the loop thread.
 */
final class UringSendArea {

    /** Chunks in the area by default, and the size of each. */
    static final int DEFAULT_CHUNKS = 512;
    static final int CHUNK_SIZE = 4 * 1024;
    /** A loop's chunk count instead of {@link #DEFAULT_CHUNKS}: 0 (writes by system calls only) to 32 767. */
    static final String CHUNKS_PROPERTY = "usockets.uring.sendChunks";
    /** {@link #write}'s answer when the write is for the system call. */
    static final int DIRECT = -1;

    private static final short NONE = -1;

    private final ByteBuffer memory;
    private final long memoryAddress;
    /** Per chunk: its descriptor (-1 once that closed), the unsent bytes' start and end, and whether it was sent. */
    private final int[] chunkFd;
    private final int[] start;
    private final int[] end;
    private final boolean[] sent;
    /** Per chunk: the socket's output was shut down while the chunk held bytes; the FIN follows them. */
    private final boolean[] finAfter;
    /** Free chunks, a stack. */
    private final short[] free;
    private int freeCount;

    /** Per descriptor: its chunk, or {@link #NONE}. */
    private short[] chunkOf = filled(1024);

    /** Chunks opened since the last {@link #takeOpened}, in order. */
    private short[] opened = new short[64];
    private int openedCount;

    /** An area of {@code chunks} chunks (at least 1; see {@link #configuredChunks()}). */
    UringSendArea(int chunks) {
        memory = ByteBuffer.allocateDirect(chunks * CHUNK_SIZE);
        memoryAddress = Buffer.memoryAddress(memory);
        chunkFd = new int[chunks];
        start = new int[chunks];
        end = new int[chunks];
        sent = new boolean[chunks];
        finAfter = new boolean[chunks];
        free = new short[chunks];
        for (int i = 0; i < chunks; i++) {
            free[i] = (short) (chunks - 1 - i);
        }
        freeCount = chunks;
    }

    /** The chunk count {@value #CHUNKS_PROPERTY} asks for, else {@link #DEFAULT_CHUNKS}. */
    static int configuredChunks() {
        String value = System.getProperty(CHUNKS_PROPERTY);
        if (value == null) {
            return DEFAULT_CHUNKS;
        }
        int count;
        try {
            count = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0 || count > Short.MAX_VALUE) {
            throw new IllegalArgumentException("-D" + CHUNKS_PROPERTY + "=" + value + ": expected a chunk count from "
                    + "0 (writes by system calls only) to " + Short.MAX_VALUE + " (the io_uring backend's send area, "
                    + CHUNK_SIZE + " bytes per chunk)");
        }
        return count;
    }

    private static short[] filled(int length) {
        short[] array = new short[length];
        Arrays.fill(array, NONE);
        return array;
    }

    // ---------------------------------------------------------------- writes (DescriptorSocketOps)

    /**
     * Takes what it can of {@code buffer} for {@code fd} (see the class comment), advancing its position.
     *
     * @param corked whether the socket is corked (a write with msgMore went by system call): such a socket with no
     *               chunk writes by system call, which also ends the cork
     * @return the count taken, or {@link #DIRECT}
     */
    int write(int fd, ByteBuffer buffer, boolean corked) {
        int chunk = chunkOf(fd);
        int length = buffer.remaining();
        if (chunk == NONE) {
            if (corked || length > CHUNK_SIZE || freeCount == 0) {
                return DIRECT;
            }
            chunk = open(fd);
        } else if (sent[chunk]) {
            return 0;
        }
        int taken = Math.min(length, CHUNK_SIZE - end[chunk]);
        int position = buffer.position();
        memory.put(chunk * CHUNK_SIZE + end[chunk], buffer, position, taken);
        buffer.position(position + taken);
        end[chunk] += taken;
        return taken;
    }

    /** {@link #write} for a header and a payload, in that order; the count taken from both, or {@link #DIRECT}. */
    long write2(int fd, ByteBuffer header, ByteBuffer payload, boolean corked) {
        int chunk = chunkOf(fd);
        if (chunk == NONE && (corked || (long) header.remaining() + payload.remaining() > CHUNK_SIZE
                || freeCount == 0)) {
            return DIRECT;
        }
        int fromHeader = write(fd, header, corked);
        return header.hasRemaining() ? fromHeader : fromHeader + write(fd, payload, corked);
    }

    /**
     * Keeps the FIN of {@code fd} behind its bytes here, if it has any: returns true if so (the poller shuts the
     * output down when they are sent), false if the caller shuts it down now.
     */
    boolean deferFin(int fd) {
        int chunk = chunkOf(fd);
        if (chunk == NONE) {
            return false;
        }
        finAfter[chunk] = true;
        return true;
    }

    /** Whether the socket of {@code chunk} shut its output down while the chunk held bytes. */
    boolean finAfter(int chunk) {
        return finAfter[chunk];
    }

    /** Whether {@code fd} has bytes here (copied or sent, not yet completed). */
    boolean holds(int fd) {
        return chunkOf(fd) != NONE;
    }

    private int chunkOf(int fd) {
        return fd < chunkOf.length ? chunkOf[fd] : NONE;
    }

    private int open(int fd) {
        if (fd >= chunkOf.length) {
            int old = chunkOf.length;
            chunkOf = Arrays.copyOf(chunkOf, Math.max(old * 2, Integer.highestOneBit(fd) * 2));
            Arrays.fill(chunkOf, old, chunkOf.length, NONE);
        }
        short chunk = free[--freeCount];
        chunkFd[chunk] = fd;
        start[chunk] = 0;
        end[chunk] = 0;
        sent[chunk] = false;
        finAfter[chunk] = false;
        chunkOf[fd] = chunk;
        if (openedCount == opened.length) {
            opened = Arrays.copyOf(opened, openedCount * 2);
        }
        opened[openedCount++] = chunk;
        return chunk;
    }

    // ---------------------------------------------------------------- sends (UringPoller)

    /** The number of chunks opened since the last call, which {@link #opened(int)} lists; the list restarts. */
    int takeOpened() {
        int count = openedCount;
        openedCount = 0;
        return count;
    }

    /** The {@code i}-th chunk opened (valid until the next write), if still open (not sent, not dropped); else -1. */
    int opened(int i) {
        short chunk = opened[i];
        return !sent[chunk] && chunkFd[chunk] >= 0 && chunkOf(chunkFd[chunk]) == chunk ? chunk : -1;
    }

    /** The chunk of {@code fd} if it is open (copied, not yet sent), else -1. */
    int openChunk(int fd) {
        int chunk = chunkOf(fd);
        return chunk != NONE && !sent[chunk] ? chunk : -1;
    }

    /** The chunk of {@code fd} (open or sent), or -1. */
    int chunk(int fd) {
        return chunkOf(fd);
    }

    /** Marks {@code chunk} sent; its send covers {@link #address} and {@link #length}. */
    void markSent(int chunk) {
        sent[chunk] = true;
    }

    /** The descriptor of {@code chunk}, or -1 once it closed. */
    int fd(int chunk) {
        return chunkFd[chunk];
    }

    /** Where the unsent bytes of {@code chunk} start. */
    long address(int chunk) {
        return memoryAddress + (long) chunk * CHUNK_SIZE + start[chunk];
    }

    /** How many bytes of {@code chunk} are unsent. */
    int length(int chunk) {
        return end[chunk] - start[chunk];
    }

    /**
     * The send of {@code chunk} took {@code count} bytes (not negative); returns true if bytes are left to send (the
     * chunk stays sent, for another send of the rest), false if it is done and freed.
     */
    boolean advance(int chunk, int count) {
        start[chunk] += count;
        if (start[chunk] < end[chunk] && chunkFd[chunk] >= 0) {
            return true;
        }
        release(chunk);
        return false;
    }

    /** The descriptor of {@code chunk} closed while the chunk was sent: it is freed when its send completes. */
    void orphan(int chunk) {
        int fd = chunkFd[chunk];
        if (fd >= 0 && chunkOf[fd] == chunk) {
            chunkOf[fd] = NONE;
        }
        chunkFd[chunk] = -1;
    }

    /** Frees {@code chunk} (its send completed or failed, or it was never sent). */
    void release(int chunk) {
        int fd = chunkFd[chunk];
        if (fd >= 0 && chunkOf[fd] == chunk) {
            chunkOf[fd] = NONE;
        }
        chunkFd[chunk] = -1;
        sent[chunk] = false;
        free[freeCount++] = (short) chunk;
    }

    /** Chunks not free (open, or sent and not yet completed): for the tests. */
    int inUse() {
        return free.length - freeCount;
    }
}
