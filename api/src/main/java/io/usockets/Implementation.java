package io.usockets;

import io.usockets.internal.LoopFactory;

import java.util.Iterator;
import java.util.ServiceLoader;

/** Finds the implementation of the API (the {@code core} module) once, through ServiceLoader. */
final class Implementation {

    private static volatile LoopFactory instance;

    private Implementation() {
    }

    static LoopFactory get() {
        LoopFactory f = instance;
        if (f == null) {
            Iterator<LoopFactory> it = ServiceLoader.load(LoopFactory.class, Loop.class.getClassLoader()).iterator();
            if (!it.hasNext()) {
                it = ServiceLoader.load(LoopFactory.class).iterator();
            }
            if (!it.hasNext()) {
                throw new IllegalStateException("no usockets implementation on the class path: add the Maven module "
                        + "io.usockets:usockets-core and a backend such as io.usockets:usockets-backend-nio");
            }
            f = it.next();
            instance = f;
        }
        return f;
    }
}
