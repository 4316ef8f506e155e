package io.usockets.ssl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SNI table: exact names first, then a wildcard for exactly one leading label; case-insensitive. */
class ServerNamesTest {

    @Test
    void exactNamesWinOverWildcardsAndWildcardsCoverOneLabel() {
        ServerNames names = new ServerNames();
        names.add("*.example.test", null, "wild");
        names.add("www.example.test", null, "www");
        assertEquals("www", names.match("WWW.example.test").userData());
        assertEquals("wild", names.match("api.example.test").userData());
        assertNull(names.match("a.b.example.test"), "a wildcard covers one label only");
        assertNull(names.match("example.test"), "a wildcard needs a label in front");
        assertNull(names.match(null));
        assertEquals("wild", names.find("*.EXAMPLE.test").userData());
        names.remove("*.example.test");
        assertNull(names.match("api.example.test"));
        names.remove("never.added");
        names.add("www.example.test.", null, "replaced");
        assertEquals("replaced", names.match("www.example.test").userData(), "a trailing dot is the same name");
    }

    @Test
    void badPatternsAreRejectedNamingThem() {
        ServerNames names = new ServerNames();
        for (String bad : new String[] {"a.*.test", "*", "*.", "w*.test", "*.*.test"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> names.add(bad, null, null));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> names.add("", null, null));
    }
}
