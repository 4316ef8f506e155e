package io.usockets.core;

import io.usockets.core.spi.CorePoll;

/**
 * One Happy Eyeballs attempt of a connect: a connecting descriptor registered as a poll of its own, so several can
 * race for one socket. The winner's registration moves to the socket ({@code Eventing.transfer}); the others are
 * closed. It exists only while its connect is in progress.
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class ConnectAttempt extends CorePoll {

    private final PendingConnect connect;

    ConnectAttempt(PendingConnect connect) {
        super(KIND_CONNECTING);
        this.connect = connect;
    }

    @Override
    public void onReady(int events, boolean error) {
        connect.attemptReady(this);
    }
}
