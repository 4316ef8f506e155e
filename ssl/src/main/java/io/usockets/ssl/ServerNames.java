package io.usockets.ssl;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The SNI table of a TLS context (µSockets' sni tree): exact host names and {@code *.suffix} wildcard patterns, each
 * with its key material and user data. A wildcard matches exactly one leading label, as in certificates.
 *
 * <p>Single-threaded: owned by one loop's thread.
 */
final class ServerNames {

    /** One added pattern. */
    record Entry(String pattern, KeyMaterial material, Object userData) {
    }

    private final Map<String, Entry> byPattern = new HashMap<>();

    static String normalize(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            throw new IllegalArgumentException("server name pattern is empty");
        }
        String p = pattern.toLowerCase(Locale.ROOT);
        if (p.endsWith(".")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.indexOf('*') >= 0 && !(p.startsWith("*.") && p.indexOf('*', 1) < 0 && p.length() > 2)) {
            throw new IllegalArgumentException("server name pattern '" + pattern
                    + "' is not valid; a wildcard may only be the whole first label, as in *.example.com");
        }
        return p;
    }

    /** Adds or replaces a pattern; the key material of a replaced pattern is freed. */
    void add(String pattern, KeyMaterial material, Object userData) {
        String p = normalize(pattern);
        Entry old = byPattern.put(p, new Entry(p, material, userData));
        if (old != null && old.material() != null && old.material() != material) {
            old.material().free();
        }
    }

    /** Removes a pattern and frees its key material; unknown patterns are ignored. */
    void remove(String pattern) {
        Entry old = byPattern.remove(normalize(pattern));
        if (old != null && old.material() != null) {
            old.material().free();
        }
    }

    /** Whether no pattern is added. */
    boolean isEmpty() {
        return byPattern.isEmpty();
    }

    /** The entry added under exactly this pattern, or null. */
    Entry find(String pattern) {
        return byPattern.get(normalize(pattern));
    }

    /** The entry serving {@code hostname}: its exact pattern first, then the wildcard of its parent domain. */
    Entry match(String hostname) {
        if (hostname == null || byPattern.isEmpty()) {
            return null;
        }
        String h = hostname.toLowerCase(Locale.ROOT);
        Entry exact = byPattern.get(h);
        if (exact != null) {
            return exact;
        }
        int dot = h.indexOf('.');
        return dot > 0 ? byPattern.get("*" + h.substring(dot)) : null;
    }

    /** Frees every pattern's key material. */
    void freeAll() {
        for (Entry e : byPattern.values()) {
            if (e.material() != null) {
                e.material().free();
            }
        }
        byPattern.clear();
    }
}
