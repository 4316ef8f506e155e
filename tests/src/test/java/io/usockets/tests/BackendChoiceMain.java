package io.usockets.tests;

import io.usockets.Loop;
import io.usockets.LoopOptions;

/**
 * A child process for {@link NativeBackendTest}: prints which backend an unconfigured loop gets ({@code default=NAME})
 * and what asking for the native backend does ({@code native=BACKEND} or {@code native-error=MESSAGE}).
 */
public final class BackendChoiceMain {

    private BackendChoiceMain() {
    }

    /** No arguments. */
    public static void main(String[] args) {
        Loop loop = Loop.create(LoopOptions.builder().build());
        System.out.println("default=" + loop.backend());
        loop.free();
        try {
            Loop nativeLoop = Loop.create(LoopOptions.builder().backend("native").build());
            System.out.println("native=" + nativeLoop.backend());
            nativeLoop.free();
        } catch (IllegalStateException e) {
            System.out.println("native-error=" + e.getMessage());
        }
    }
}
