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
        /** Called on the loop thread with the ready events (READABLE, WRITABLE) and an error flag. */
        void onReady(Poll<E> poll, int events, boolean error);
    }

    /** Binds the poll to a handle of this loop's backend and sets its callback (us_poll_init). */
    void init(NativeHandle handle, Callback<E> callback);

    /** Starts watching {@code events}, a mask of READABLE and WRITABLE (us_poll_start). */
    void start(int events);

    /** Replaces the watched events (us_poll_change). */
    void change(int events);

    /** Stops watching; the poll stays bound (us_poll_stop). */
    void stop();

    /** The watched events (us_poll_events). */
    int events();

    /** The bound handle, or null (us_poll_fd). */
    NativeHandle handle();

    /** Stops and releases the poll; a second call does nothing (us_poll_free). */
    void free();

    /** Whether the poll has been freed. */
    boolean isFreed();

    /** The loop. */
    Loop loop();

    /** The user extension (us_poll_ext). */
    E ext();

    /** Replaces the user extension (what us_poll_resize is for in C). */
    void setExt(E ext);
}
