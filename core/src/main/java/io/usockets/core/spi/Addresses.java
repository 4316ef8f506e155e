package io.usockets.core.spi;

import java.net.InetAddress;

/** Address helpers shared by backends, so every backend reports remote addresses the same way (docs/RULES.md B5). */
public final class Addresses {

    private Addresses() {
    }

    /**
     * The raw IP of {@code address}: 4 bytes for IPv4 and IPv4-mapped IPv6 addresses, else 16.
     *
     * @param address the peer's address, or null
     * @return 4 or 16 bytes, or none
     */
    public static byte[] remoteAddressBytes(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length != 16) {
            return bytes;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return bytes;
            }
        }
        if (bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
            return bytes;
        }
        return new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
    }
}
