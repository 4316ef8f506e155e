package io.usockets;

/**
 * Decides what happens when a user callback throws. The default handler logs the exception through
 * {@link System.Logger} and, when the source is an open {@link Socket}, closes it with
 * {@link CloseCode#CALLBACK_FAILED} and the exception as the reason; the loop always goes on.
 */
@FunctionalInterface
public interface CallbackErrorHandler {

    /**
     * Called on the loop's thread with the object whose callback threw: a {@link Socket}, {@link SocketContext} (for
     * onPreOpen), {@link Timer}, {@link Poll} or the {@link Loop} itself.
     *
     * @param loop   the loop the callback ran on
     * @param source the object whose callback threw
     * @param error  what it threw
     */
    void onCallbackError(Loop loop, Object source, Throwable error);
}
