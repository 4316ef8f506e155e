package io.usockets.backend.natives;

import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.Errors;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One io_uring loop's received bytes: a provided-buffer ring registered with the kernel (the buffers a multishot
 * {@code IORING_OP_RECV} picks from as bytes arrive), and, per descriptor, the buffers its completions filled that
 * the socket has not read yet.
 *
 * <p>A completion puts its buffer at the end of its descriptor's queue ({@link #received}); the socket's next read
 * ({@link #read}, called from {@link DescriptorSocketOps#read} when the eventing reads by completions) copies queued
 * bytes into the loop's receive buffer and gives each emptied buffer back to the ring at once. The end of the stream
 * (a completion of 0 bytes) or a failure is kept behind the queued bytes and reported by the read that finds the
 * queue empty, as a readiness read would meet it. So the bytes wait here while a socket is paused, and the core's read
 * path (the receive view, pause, the low-priority queue, TLS) stays the one every backend uses.
 *
 * <p>Memory, fixed per loop: {@value #DEFAULT_BUFFERS} buffers (by default; {@value #BUFFERS_PROPERTY} sets another
 * power of two) of {@value #BUFFER_SIZE} bytes (direct, 2 MiB), the ring's 16-byte entries (mapped by the kernel),
 * 12 bytes per buffer and 6 per descriptor number of bookkeeping. Nothing is allocated per completion or per read.
 *
 * <p>Single-threaded: the loop thread.
 */
final class UringReceiveRing {

    /** Buffers in the ring by default (a power of two), and the size of each. */
    static final int DEFAULT_BUFFERS = 512;
    static final int BUFFER_SIZE = 4 * 1024;
    /** A loop's buffer count instead of {@link #DEFAULT_BUFFERS}: a power of two from 1 to 32 768. */
    static final String BUFFERS_PROPERTY = "usockets.uring.ringBuffers";
    /** The buffer group our RECV requests select from (Netty's own groups are not used by this backend). */
    static final short GROUP = 0x7531;

    /** struct io_uring_buf (Linux ABI): addr u64, len u32, bid u16; the ring's tail is entry 0's last u16. */
    private static final int ENTRY_SIZE = 16;
    private static final int ENTRY_LEN = 8;
    private static final int ENTRY_BID = 12;
    private static final int TAIL_OFFSET = 14;
    private static final VarHandle SHORT = MethodHandles.byteBufferViewVarHandle(short[].class,
            ByteOrder.nativeOrder());

    /** Queue end markers ({@link #end}, read unsigned): nothing, the stream's end; any other value is an errno. */
    private static final int NO_END = 0;
    private static final int END_OF_STREAM = 0xFF;
    private static final int NONE = -1;
    private static final int EIO = 5;
    /** {@link #read}'s answer for a descriptor that does not read by completions (see {@link #attach}). */
    static final int NOT_HELD = Integer.MIN_VALUE;

    private final int buffers;
    private final UringAccess.BufferRing registration;
    private final ByteBuffer ring;
    private final ByteBuffer memory;
    private final long memoryAddress;
    /** The ring's tail as we last published it. */
    private short tail;

    /** Per buffer id: the next queued buffer of the same descriptor, the unread bytes' offset and count. */
    private final int[] next;
    private final int[] offset;
    private final int[] length;

    /** Per descriptor: the first and last queued buffer ({@link #NONE}: empty), and the end kept behind them. */
    private short[] head;
    private short[] last;
    private byte[] end;
    /** Per descriptor: reads by completions (a RECV request was armed for it since it was registered). */
    private boolean[] attached;

    private UringReceiveRing(UringAccess.BufferRing registration) {
        this.registration = registration;
        buffers = registration.entries();
        next = new int[buffers];
        offset = new int[buffers];
        length = new int[buffers];
        ring = Buffer.wrapMemoryAddressWithNativeOrder(registration.address(), buffers * ENTRY_SIZE);
        memory = ByteBuffer.allocateDirect(buffers * BUFFER_SIZE);
        memoryAddress = Buffer.memoryAddress(memory);
        head = new short[1024];
        last = new short[1024];
        end = new byte[1024];
        attached = new boolean[1024];
        Arrays.fill(head, (short) NONE);
        Arrays.fill(last, (short) NONE);
        for (int bid = 0; bid < buffers; bid++) {
            put(bid);
        }
        SHORT.setRelease(ring, TAIL_OFFSET, tail);
    }

    /**
     * Registers a ring of {@code buffers} buffers with the kernel ring behind {@code ringFd}.
     *
     * @throws IOException when the kernel refuses it (or Netty's native call is out of reach)
     */
    static UringReceiveRing open(int ringFd, int buffers) throws IOException {
        return new UringReceiveRing(UringAccess.registerBufferRing(ringFd, buffers, GROUP));
    }

    /** The buffer count {@value #BUFFERS_PROPERTY} asks for, else {@link #DEFAULT_BUFFERS}. */
    static int configuredBuffers() {
        String value = System.getProperty(BUFFERS_PROPERTY);
        if (value == null) {
            return DEFAULT_BUFFERS;
        }
        int count;
        try {
            count = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            count = 0;
        }
        if (count < 1 || count > 32_768 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("-D" + BUFFERS_PROPERTY + "=" + value + ": expected a power of two "
                    + "from 1 to 32768 (buffers of " + BUFFER_SIZE + " bytes in an io_uring loop's receive ring)");
        }
        return count;
    }

    /** Writes buffer {@code bid} at the tail of the ring (published by the caller). */
    private void put(int bid) {
        int position = (tail & (buffers - 1)) * ENTRY_SIZE;
        ring.putLong(position, memoryAddress + (long) bid * BUFFER_SIZE);
        ring.putInt(position + ENTRY_LEN, BUFFER_SIZE);
        ring.putShort(position + ENTRY_BID, (short) bid);
        tail++;
    }

    /** Gives buffer {@code bid} back to the kernel. */
    void recycle(int bid) {
        put(bid);
        SHORT.setRelease(ring, TAIL_OFFSET, tail);
    }

    private void grow(int fd) {
        int length = Math.max(head.length * 2, Integer.highestOneBit(fd) * 2);
        int old = head.length;
        head = Arrays.copyOf(head, length);
        last = Arrays.copyOf(last, length);
        end = Arrays.copyOf(end, length);
        attached = Arrays.copyOf(attached, length);
        Arrays.fill(head, old, length, (short) NONE);
        Arrays.fill(last, old, length, (short) NONE);
    }

    /** From now on, reads of {@code fd} come from its queue (its RECV request is armed), until {@link #drop}. */
    void attach(int fd) {
        if (fd >= head.length) {
            grow(fd);
        }
        attached[fd] = true;
    }

    /**
     * Reads of {@code fd} go to the kernel again once its queue is empty (its RECV request starved and it reads by
     * readiness now).
     */
    void detach(int fd) {
        attached[fd] = false;
    }

    /** A completion filled {@code bytes} bytes of buffer {@code bid} for descriptor {@code fd}: queue them. */
    void received(int fd, int bid, int bytes) {
        if (fd >= head.length) {
            grow(fd);
        }
        next[bid] = NONE;
        offset[bid] = 0;
        length[bid] = bytes;
        if (last[fd] == NONE) {
            head[fd] = (short) bid;
        } else {
            next[last[fd]] = bid;
        }
        last[fd] = (short) bid;
    }

    /**
     * The descriptor's stream ended ({@code errno} 0: the peer's FIN) or failed (a positive errno), behind what is
     * queued.
     */
    void ended(int fd, int errno) {
        if (fd >= head.length) {
            grow(fd);
        }
        if (end[fd] == NO_END) {
            // errno values are below 255 on Linux; anything else reads as the generic EIO.
            end[fd] = (byte) (errno == 0 ? END_OF_STREAM : errno > 0 && errno < END_OF_STREAM ? errno : EIO);
        }
    }

    /** Whether a read of {@code fd} would find bytes, the end or a failure. */
    boolean hasPending(int fd) {
        return fd < head.length && (head[fd] != NONE || end[fd] != NO_END);
    }

    /**
     * Copies queued bytes of {@code fd} into {@code buffer} from its position (which it advances), as many as fit.
     *
     * @return the count copied; -1 when the queue was empty and the stream ended; 0 when nothing is queued;
     *         {@link #NOT_HELD} when the queue is empty and {@code fd} does not read by completions (any more)
     * @throws IOException the failure kept behind the queue, once it is empty
     */
    int read(int fd, ByteBuffer buffer) throws IOException {
        if (fd >= head.length) {
            return NOT_HELD;
        }
        int bid = head[fd];
        if (bid == NONE) {
            if (!attached[fd]) {
                return NOT_HELD;
            }
            int ending = end[fd] & 0xFF;
            if (ending == NO_END) {
                return 0;
            }
            if (ending == END_OF_STREAM) {
                return -1;
            }
            end[fd] = NO_END;
            throw Errors.newIOException("recv", -ending);
        }
        int position = buffer.position();
        int start = position;
        int room = buffer.limit() - position;
        while (bid != NONE && room > 0) {
            int n = Math.min(room, length[bid]);
            buffer.put(position, memory, bid * BUFFER_SIZE + offset[bid], n);
            position += n;
            room -= n;
            if (n < length[bid]) {
                offset[bid] += n;
                length[bid] -= n;
                break;
            }
            int following = next[bid];
            recycle(bid);
            bid = following;
        }
        head[fd] = (short) bid;
        if (bid == NONE) {
            last[fd] = (short) NONE;
        }
        buffer.position(position);
        return position - start;
    }

    /** Forgets what {@code fd} had queued (it closed) and gives its buffers back; it no longer reads by completions. */
    void drop(int fd) {
        if (fd >= head.length) {
            return;
        }
        int bid = head[fd];
        while (bid != NONE) {
            int following = next[bid];
            recycle(bid);
            bid = following;
        }
        head[fd] = (short) NONE;
        last[fd] = (short) NONE;
        end[fd] = NO_END;
        attached[fd] = false;
    }

    /** Unregisters the ring (the kernel ring is still open). */
    void close() {
        registration.close();
    }
}
