package io.usockets.tests;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

/**
 * Deterministic bytes to send and check: a repeating pseudo-random stream of any length (with its SHA-256 computed
 * independently of any socket) and short seeded patterns, so misplaced or lost bytes show.
 */
final class TestData {

    /** A 1 MiB + 13 byte block of pseudo-random bytes; the test stream repeats it, so chunk edges never align. */
    static final byte[] PATTERN = block();

    private TestData() {
    }

    private static byte[] block() {
        byte[] b = new byte[1024 * 1024 + 13];
        new Random(0x5eed).nextBytes(b);
        return b;
    }

    /** Offset into {@link #PATTERN} of stream byte {@code position}. */
    static int patternOffset(long position) {
        return (int) (position % PATTERN.length);
    }

    /** Length of the next chunk at {@code position}: at most {@code max}, not past the block's end or {@code total}. */
    static int patternChunk(long position, long total, int max) {
        int offset = patternOffset(position);
        return (int) Math.min(Math.min(PATTERN.length - offset, max), total - position);
    }

    /** SHA-256 of the first {@code total} bytes of the stream, computed independently of any socket. */
    static byte[] patternSha256(long total) {
        MessageDigest md = sha256();
        long position = 0;
        while (position < total) {
            int len = patternChunk(position, total, Integer.MAX_VALUE);
            md.update(PATTERN, patternOffset(position), len);
            position += len;
        }
        return md.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 15, 16)).append(Character.forDigit(b & 15, 16));
        }
        return sb.toString();
    }

    /** {@code n} bytes of a deterministic pattern that differs by {@code seed}, so misplaced bytes show. */
    static byte[] pattern(int n, int seed) {
        byte[] out = new byte[n];
        long x = 0x9E3779B97F4A7C15L * (seed + 1);
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            out[i] = (byte) x;
        }
        return out;
    }
}
