package io.usockets.ssl;

/** Host-name helpers shared by the SNI, verification and certificate code; free of native dependencies. */
final class HostNames {

    private HostNames() {
    }

    /** Whether {@code host} is an IPv4 or IPv6 literal rather than a DNS name (no SNI is sent for those). */
    static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9'));
    }
}
