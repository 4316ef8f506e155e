package io.usockets.tests;

/**
 * The once-per-JVM warm-up the descriptor leak gate of every class runs before its first baseline (named in
 * junit-platform.properties): {@link TestLoop}'s, which opens a connection and a TLS handshake on every backend.
 */
public final class LeakGateWarmUp implements Runnable {

    @Override
    public void run() {
        TestLoop.descriptorBaseline();
    }
}
