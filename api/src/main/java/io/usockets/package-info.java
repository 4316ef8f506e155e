/**
 * The us_* API: {@link io.usockets.Loop}, {@link io.usockets.SocketContext}, {@link io.usockets.Socket},
 * {@link io.usockets.ListenSocket}, {@link io.usockets.Timer} and {@link io.usockets.Poll}.
 *
 * <p>Every object belongs to one loop and is used only on that loop's thread; only {@link io.usockets.Loop#wakeup()}
 * and {@link io.usockets.Loop#defer(Runnable)} may be called from other threads. docs/API.md maps each µSockets
 * function to its counterpart here.
 */
package io.usockets;
