package io.usockets;

/**
 * Readiness events for any handle the backend understands (µSockets' {@code us_poll_t}): the foundation for
 * integrating other descriptors or channels. Lifecycle: {@link Loop#createPoll}, {@link #init} binds a handle,
 * {@link #start} begins watching, {@link #change} and {@link #stop} adjust it, {@link #free()} releases it (the
 * handle itself stays the caller's to close). A non-fallthrough poll keeps {@link Loop#run()} going until freed.
 *
 * @param <E> type of the user extension
 */
public interface Poll<E> {

    /** LIBUS_SOCKET_READABLE. */
    int READABLE = 1;
    /** LIBUS_SOCKET_WRITABLE. */
    int WRITABLE = 2;

    /** The poll's callback. */
    @FunctionalInterface
    interface Callback<E> {
        /**
         * Called on the loop thread with the ready events (READABLE, WRITABLE) and an error flag.
         *
         * @param poll   the poll
         * @param events the ready events, a mask of READABLE and WRITABLE
         * @param error  whether the handle reported an error
         */
        void onReady(Poll<E> poll, int events, boolean error);
    }

    /**
     * Binds the poll to a handle of this loop's backend and sets its callback (us_poll_init).
     *
     * @param handle   a descriptor or channel of this loop's backend
     * @param callback called with its ready events
     */
    void init(NativeHandle handle, Callback<E> callback);

    /**
     * Starts watching {@code events}, a mask of READABLE and WRITABLE (us_poll_start).
     *
     * @param events a mask of READABLE and WRITABLE
     */
    void start(int events);

    /**
     * Replaces the watched events (us_poll_change).
     *
     * @param events a mask of READABLE and WRITABLE
     */
    void change(int events);

    /** Stops watching; the poll stays bound (us_poll_stop). */
    void stop();

    /**
     * The watched events (us_poll_events).
     *
     * @return a mask of READABLE and WRITABLE, 0 when stopped
     */
    int events();

    /**
     * The bound handle, or null (us_poll_fd).
     *
     * @return the handle given to init, or null before
     */
    NativeHandle handle();

    /** Stops and releases the poll; a second call does nothing (us_poll_free). */
    void free();

    /**
     * Whether the poll has been freed.
     *
     * @return true once freed
     */
    boolean isFreed();

    /**
     * The loop.
     *
     * @return the loop that created the poll
     */
    Loop loop();

    /**
     * The user extension (us_poll_ext).
     *
     * @return the extension, null until set
     */
    E ext();

    /**
     * Replaces the user extension (what us_poll_resize is for in C).
     *
     * @param ext the new extension
     */
    void setExt(E ext);
}
