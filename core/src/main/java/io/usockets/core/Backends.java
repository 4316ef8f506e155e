package io.usockets.core;

import io.usockets.LoopOptions;
import io.usockets.core.spi.Backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Picks a backend (docs/RULES.md B8): the loop option, else the {@code usockets.backend}
 * system property, else the {@code USOCKETS_BACKEND} environment variable, else the highest-priority backend that
 * loads; a loop with a foreign-loop hint goes to the backend that accepts the hint, and a hint that is itself a
 * {@link Backend} is that backend (one not registered with ServiceLoader, such as the tests' scripted kernel).
 */
final class Backends {

    /** The Maven module that brings each known backend, for error messages. */
    private static final Map<String, String> MODULES = Map.of(
            "native", "io.usockets:usockets-backend-native",
            "io_uring", "io.usockets:usockets-backend-native",
            "nio", "io.usockets:usockets-backend-nio",
            "vertx", "io.usockets:usockets-backend-vertx",
            "vertx-epoll", "io.usockets:usockets-backend-vertx");

    private static volatile List<Backend> cached;

    private Backends() {
    }

    /** Every backend on the class path, loadable or not, best first. */
    static List<Backend> all() {
        List<Backend> list = cached;
        if (list == null) {
            list = new ArrayList<>();
            ServiceLoader<Backend> loader = ServiceLoader.load(Backend.class, Backends.class.getClassLoader());
            for (var it = loader.iterator(); ; ) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    list.add(it.next());
                } catch (ServiceConfigurationError e) {
                    CoreLoop.log().log(System.Logger.Level.WARNING, "a usockets backend failed to load", e);
                }
            }
            list.sort(Comparator.comparingInt(Backend::priority).reversed());
            cached = List.copyOf(list);
            list = cached;
        }
        return list;
    }

    /** Names of the backends that can run here, best first. */
    static List<String> availableNames() {
        List<String> names = new ArrayList<>();
        for (Backend b : all()) {
            if (b.unavailableReason() == null) {
                names.add(b.name());
            }
        }
        return List.copyOf(names);
    }

    /** The backend for these options, or an IllegalStateException saying which module to add. */
    static Backend choose(LoopOptions options) {
        if (options.hint() instanceof Backend direct) {
            return direct;
        }
        if (options.hint() != null) {
            for (Backend b : all()) {
                if (b.acceptsHint(options.hint())) {
                    return b;
                }
            }
            throw new IllegalStateException("a loop with the hint " + options.hint().getClass().getName()
                    + " needs the Maven module io.usockets:usockets-backend-vertx on the class path");
        }
        String name = configuredName(options);
        if (name == null) {
            for (Backend b : all()) {
                if (b.unavailableReason() == null) {
                    return b;
                }
            }
            throw new IllegalStateException("no usockets backend on the class path loads here: add the Maven module "
                    + "io.usockets:usockets-backend-nio (or usockets-backend-native on Linux)");
        }
        for (Backend b : all()) {
            if (b.name().equals(name)) {
                String reason = b.unavailableReason();
                if (reason != null) {
                    throw new IllegalStateException("the usockets backend '" + name + "' cannot load here: " + reason);
                }
                return b;
            }
        }
        String module = MODULES.get(name);
        if (module == null) {
            throw new IllegalStateException("unknown usockets backend '" + name
                    + "'; expected one of native, io_uring, nio, vertx, vertx-epoll");
        }
        throw new IllegalStateException("the usockets backend '" + name + "' is not on the class path: add the "
                + "Maven module " + module);
    }

    private static String configuredName(LoopOptions options) {
        String name = options.backend();
        if (name == null || name.isBlank()) {
            name = System.getProperty("usockets.backend");
        }
        if (name == null || name.isBlank()) {
            name = System.getenv("USOCKETS_BACKEND");
        }
        return name == null || name.isBlank() ? null : name.trim();
    }
}
