package io.usockets;

/**
 * A precise timer on the loop (µSockets' {@code us_timer_t}); costly compared with socket timeouts, so not for
 * per-connection use. Created disarmed; {@link #set} arms it; {@link #close()} stops it for good, also from its
 * own callback. A non-fallthrough timer keeps {@link Loop#run()} going until it is closed.
 *
 * @param <E> type of the user extension
 */
public interface Timer<E> {

    /** The timer's callback. */
    @FunctionalInterface
    interface Callback<E> {
        /**
         * Called on the loop thread when the timer fires.
         *
         * @param timer the timer that fired
         */
        void onTimer(Timer<E> timer);
    }

    /**
     * Arms the timer to call {@code callback} after {@code ms}, then every {@code repeatMs} (0 = one-shot);
     * {@code ms} and {@code repeatMs} both 0 disarms it (us_timer_set).
     *
     * @param callback called on the loop thread when the timer fires
     * @param ms       milliseconds until the first firing
     * @param repeatMs milliseconds between later firings, 0 for none
     */
    void set(Callback<E> callback, long ms, long repeatMs);

    /** Stops the timer for good; a second close does nothing (us_timer_close). */
    void close();

    /**
     * Whether the timer has been closed.
     *
     * @return true once closed
     */
    boolean isClosed();

    /**
     * The loop (us_timer_loop).
     *
     * @return the loop that created the timer
     */
    Loop loop();

    /**
     * The user extension (us_timer_ext).
     *
     * @return the extension, null until set
     */
    E ext();

    /**
     * Replaces the user extension.
     *
     * @param ext the new extension
     */
    void setExt(E ext);
}
