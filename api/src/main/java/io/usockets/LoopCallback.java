package io.usockets;

/** A loop-level callback: wakeup, pre and post (µSockets' {@code wakeup_cb}, {@code pre_cb}, {@code post_cb}). */
@FunctionalInterface
public interface LoopCallback {

    /**
     * Called on the loop's thread.
     *
     * @param loop the loop
     */
    void call(Loop loop);
}
