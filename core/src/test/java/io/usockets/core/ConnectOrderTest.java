package io.usockets.core;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** IP literals recognised without a lookup, and the order in which a connect tries a name's addresses (RFC 8305). */
class ConnectOrderTest {

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    @Test
    void literalsAreParsedAndNamesAreLeftToTheResolver() throws Exception {
        assertEquals(ip("127.0.0.1"), IpLiterals.parse("127.0.0.1"));
        assertEquals(ip("10.20.30.40"), IpLiterals.parse("10.20.30.40"));
        assertEquals(ip("::1"), IpLiterals.parse("::1"));
        assertEquals(ip("::1"), IpLiterals.parse("[::1]"));
        assertEquals(ip("2001:db8::7"), IpLiterals.parse("2001:db8::7"));
        assertNull(IpLiterals.parse("localhost"));
        assertNull(IpLiterals.parse("example.com"));
        assertNull(IpLiterals.parse("256.0.0.1"));
        assertNull(IpLiterals.parse("1.2.3"));
        assertNull(IpLiterals.parse("1.2.3.4.5"));
        assertNull(IpLiterals.parse("1..2.3"));
        assertNull(IpLiterals.parse("1.2.3.4."));
        assertNull(IpLiterals.parse("not:an:address:zz"));
    }

    @Test
    void familiesAlternateIpv6FirstUnlessIpv4IsPreferred() throws Exception {
        List<InetAddress> found = List.of(ip("10.0.0.1"), ip("10.0.0.2"), ip("::1"), ip("::2"), ip("::3"));
        assertArrayEquals(new InetAddress[] {ip("::1"), ip("10.0.0.1"), ip("::2"), ip("10.0.0.2"), ip("::3")},
                PendingConnect.order(found, null, false));
        assertArrayEquals(new InetAddress[] {ip("10.0.0.1"), ip("::1"), ip("10.0.0.2"), ip("::2"), ip("::3")},
                PendingConnect.order(found, null, true));
    }

    @Test
    void aSourceAddressKeepsOnlyItsFamily() throws Exception {
        List<InetAddress> found = List.of(ip("::1"), ip("10.0.0.1"), ip("10.0.0.2"));
        assertArrayEquals(new InetAddress[] {ip("10.0.0.1"), ip("10.0.0.2")},
                PendingConnect.order(found, ip("127.0.0.1"), false));
        assertArrayEquals(new InetAddress[] {ip("::1")}, PendingConnect.order(found, ip("::1"), false));
    }
}
