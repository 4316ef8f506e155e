package io.usockets.core;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Recognises IP literals, so a connect to one goes straight to the kernel: a dotted quad of four decimal parts, or
 * anything with a colon (IPv6, with or without brackets and a scope), which the JDK parses without a lookup when it
 * is bracketed. Everything else is a name for the resolver.
 */
final class IpLiterals {

    private IpLiterals() {
    }

    /** The address {@code host} spells, or null when it is a name (or no valid literal). */
    static InetAddress parse(String host) {
        if (host.indexOf(':') >= 0) {
            String bracketed = host.charAt(0) == '[' ? host : "[" + host + "]";
            try {
                // Brackets make the JDK parse an IPv6 literal or fail; it never looks a bracketed string up.
                return InetAddress.getByName(bracketed);
            } catch (UnknownHostException | IllegalArgumentException e) {
                return null;
            }
        }
        return parseIpv4(host);
    }

    private static InetAddress parseIpv4(String host) {
        int length = host.length();
        if (length < 7 || length > 15) {
            return null;
        }
        byte[] bytes = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i < length; i++) {
            char c = host.charAt(i);
            if (c >= '0' && c <= '9') {
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else if (c == '.' && digits > 0 && part < 3) {
                bytes[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        if (part != 3 || digits == 0) {
            return null;
        }
        bytes[3] = (byte) value;
        try {
            return InetAddress.getByAddress(host, bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
