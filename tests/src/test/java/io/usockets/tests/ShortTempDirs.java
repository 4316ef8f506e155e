package io.usockets.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories with short paths (under /tmp where it exists), for unix socket files (107-byte limit). */
final class ShortTempDirs {

    private ShortTempDirs() {
    }

    /** A fresh directory with a short path. */
    static Path create() {
        try {
            Path tmp = Path.of("/tmp");
            return Files.isDirectory(tmp) ? Files.createTempDirectory(tmp, "usk-") : Files.createTempDirectory("usk-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory made by {@link #create()} and whatever is left in it. */
    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
