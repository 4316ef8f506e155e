package io.usockets.ssl;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads the server name (SNI, RFC 6066) out of the first bytes a TLS client sends, before any {@code SSL} exists,
 * so that a server can create the socket's {@code SSL} from the native context of that name (each name has its own
 * session-ID context and ticket keys, docs/ARCHITECTURE.md "SNI"). The ClientHello may span several handshake
 * records; anything that is not a well-formed ClientHello answers "no name" and the TLS library then fails it.
 */
final class ClientHelloNames {

    /** The answer while the ClientHello is not complete yet. */
    static final String INCOMPLETE = new String("incomplete");
    /** The most ciphertext waited for: a ClientHello bigger than this is served without a name. */
    static final int MAX_HELLO = 64 * 1024;

    private static final int HANDSHAKE_RECORD = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME_EXTENSION = 0;
    private static final int HOST_NAME = 0;

    private ClientHelloNames() {
    }

    /**
     * The host name in the ClientHello that starts at {@code in}'s position (lower case), null when it has none or
     * the bytes are not a ClientHello, or {@link #INCOMPLETE} when more bytes are needed. Does not move {@code in}.
     *
     * @param in the ciphertext received so far, in [position, limit)
     * @return the name, null, or {@link #INCOMPLETE}
     */
    static String serverName(ByteBuffer in) {
        int at = in.position();
        int end = in.limit();
        byte[] message = null;
        int have = 0;
        int need = -1;
        while (need < 0 || have < need) {
            if (end - at < 5) {
                return INCOMPLETE;
            }
            if ((in.get(at) & 0xFF) != HANDSHAKE_RECORD || (in.get(at + 1) & 0xFF) != 3) {
                return null;
            }
            int length = in.getShort(at + 3) & 0xFFFF;
            if (length == 0 || length > 16384 + 2048) {
                return null;
            }
            if (end - at - 5 < length) {
                return INCOMPLETE;
            }
            if (message == null) {
                if (length < 4 || (in.get(at + 5) & 0xFF) != CLIENT_HELLO) {
                    return null;
                }
                need = 4 + (((in.get(at + 6) & 0xFF) << 16) | ((in.get(at + 7) & 0xFF) << 8) | (in.get(at + 8) & 0xFF));
                if (need > MAX_HELLO) {
                    return null;
                }
                message = new byte[need];
            }
            int take = Math.min(length, need - have);
            in.get(at + 5, message, have, take);
            have += take;
            at += 5 + length;
        }
        return hostName(ByteBuffer.wrap(message, 4, message.length - 4));
    }

    /** The host_name entry of the server_name extension of a ClientHello body, or null. */
    private static String hostName(ByteBuffer body) {
        try {
            skip(body, 2 + 32);
            skip(body, body.get() & 0xFF);
            skip(body, body.getShort() & 0xFFFF);
            skip(body, body.get() & 0xFF);
            if (!body.hasRemaining()) {
                return null;
            }
            int extensionsEnd = body.position() + (body.getShort() & 0xFFFF);
            while (body.position() + 4 <= extensionsEnd) {
                int type = body.getShort() & 0xFFFF;
                int length = body.getShort() & 0xFFFF;
                if (type != SERVER_NAME_EXTENSION) {
                    skip(body, length);
                    continue;
                }
                int listEnd = body.position() + 2 + (body.getShort() & 0xFFFF);
                while (body.position() + 3 <= listEnd) {
                    int nameType = body.get() & 0xFF;
                    int nameLength = body.getShort() & 0xFFFF;
                    if (nameType == HOST_NAME && nameLength > 0) {
                        byte[] name = new byte[nameLength];
                        body.get(name);
                        return new String(name, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
                    }
                    skip(body, nameLength);
                }
                return null;
            }
            return null;
        } catch (RuntimeException malformed) {
            // BufferUnderflowException or IllegalArgumentException from a length running past the message.
            return null;
        }
    }

    private static void skip(ByteBuffer b, int n) {
        b.position(b.position() + n);
    }
}
