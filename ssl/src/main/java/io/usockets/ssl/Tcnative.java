package io.usockets.ssl;

import io.netty.internal.tcnative.Library;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import io.netty.util.internal.NativeLibraryLoader;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Loads netty-tcnative once per class loader and counts the native TLS objects this module creates, so tests can
 * prove that every {@code SSL} and {@code SSL_CTX} is freed. The counts are {@link LongAdder}s: loops on several
 * threads create and free {@code SSL}s at once, and an adder gives each contending thread a cell of its own, so the
 * count is the only thing their handshakes touch in common and it takes no lock (docs/ARCHITECTURE.md, "Scaling").
 *
 * <p>The native library comes from the {@code netty-tcnative-boringssl-static} jar for this platform
 * ({@code META-INF/native/libnetty_tcnative_<os>_<arch>.so}); netty-common's loader extracts and loads it in the
 * class loader of the tcnative classes, which is what its JNI registration needs.
 */
final class Tcnative {

    private static final Throwable UNAVAILABILITY = load();
    private static final LongAdder LIVE_SSL = new LongAdder();
    private static final LongAdder LIVE_CONTEXTS = new LongAdder();
    private static final LongAdder LIVE_KEY_MATERIAL = new LongAdder();

    private Tcnative() {
    }

    private static Throwable load() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux") ? "linux"
                : System.getProperty("os.name", "").toLowerCase(Locale.ROOT).replace(" ", "");
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch_64";
            default -> System.getProperty("os.arch", "");
        };
        try {
            ClassLoader loader = SSL.class.getClassLoader();
            NativeLibraryLoader.loadFirstAvailable(loader, "netty_tcnative_" + os + "_" + arch, "netty_tcnative");
            Library.initialize("provided", null);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Throws IllegalStateException saying why tcnative cannot be used here. */
    static void ensureAvailable() {
        if (UNAVAILABILITY != null) {
            throw new IllegalStateException("netty-tcnative (BoringSSL) does not load on " + System.getProperty("os.name")
                    + "/" + System.getProperty("os.arch") + "; put io.netty:netty-tcnative-boringssl-static with this"
                    + " platform's classifier on the class path: " + UNAVAILABILITY, UNAVAILABILITY);
        }
    }

    /** The TLS library's version, e.g. "BoringSSL". */
    static String versionString() {
        ensureAvailable();
        return SSL.versionString();
    }

    static long newSsl(long ctx, boolean server) {
        long ssl = SSL.newSSL(ctx, server);
        LIVE_SSL.increment();
        return ssl;
    }

    static void freeSsl(long ssl) {
        SSL.freeSSL(ssl);
        LIVE_SSL.decrement();
    }

    static long newContext(int protocols, int mode) throws Exception {
        long ctx = SSLContext.make(protocols, mode);
        LIVE_CONTEXTS.increment();
        return ctx;
    }

    static void freeContext(long ctx) {
        SSLContext.free(ctx);
        LIVE_CONTEXTS.decrement();
    }

    /** A certificate chain and private key were parsed into native objects. */
    static void keyMaterialCreated() {
        LIVE_KEY_MATERIAL.increment();
    }

    /** A certificate chain and private key were freed. */
    static void keyMaterialFreed() {
        LIVE_KEY_MATERIAL.decrement();
    }

    static long liveKeyMaterial() {
        return LIVE_KEY_MATERIAL.sum();
    }

    static long liveSsl() {
        return LIVE_SSL.sum();
    }

    static long liveContexts() {
        return LIVE_CONTEXTS.sum();
    }
}
