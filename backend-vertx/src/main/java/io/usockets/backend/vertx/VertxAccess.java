package io.usockets.backend.vertx;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.vertx.core.Closeable;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The only class that touches Vert.x's internal API ({@code io.vertx.core.internal}: exported, but not the stable
 * public API). It needs five things Vert.x's public API does not give: a new event-loop context of a {@code Vertx}
 * ({@code createEventLoopContext}), the Netty event loop behind a context ({@code nettyEventLoop}), entering the
 * context around our callbacks so {@code Vertx.currentContext()} is the hint ({@code beginDispatch} /
 * {@code endDispatch}, allocation-free), a hook run when the {@code Vertx} closes ({@code addCloseHook}), and the
 * instance's own non-blocking name resolver ({@code nameResolver}), which its {@code AddressResolverOptions}
 * configure.
 *
 * <p>One instance per loop, holding the loop's context.
 */
final class VertxAccess {

    private final ContextInternal context;

    private VertxAccess(ContextInternal context) {
        this.context = context;
    }

    /** Whether the Netty event loops of a Vert.x hint run {@code handlerType} (without creating a context). */
    static boolean runs(Object hint, Class<? extends io.netty.channel.IoHandler> handlerType) {
        EventLoop loop;
        if (hint instanceof Vertx vertx) {
            loop = ((VertxInternal) vertx).nettyEventLoopGroup().next();
        } else if (hint instanceof Context c) {
            loop = ((ContextInternal) c).nettyEventLoop();
        } else {
            return false;
        }
        return loop instanceof IoEventLoop io && io.isIoType(handlerType);
    }

    /** The context a hint names: a {@link Context} as it is, a {@link Vertx} through a new event-loop context. */
    static VertxAccess of(Object hint) {
        ContextInternal context;
        if (hint instanceof Vertx vertx) {
            context = ((VertxInternal) vertx).createEventLoopContext();
        } else if (hint instanceof Context c) {
            if (!c.isEventLoopContext()) {
                throw new IllegalArgumentException("the Vert.x context hint " + c + " runs the "
                        + c.threadingModel() + " threading model; a usockets loop needs an event-loop context");
            }
            context = (ContextInternal) c;
        } else {
            throw new IllegalArgumentException("the loop hint " + hint + " is neither a Vert.x Context nor a Vertx");
        }
        return new VertxAccess(context);
    }

    /** The context callbacks run in. */
    Context context() {
        return context;
    }

    /** The Vert.x instance of the context. */
    Vertx vertx() {
        return context.owner();
    }

    /** The Netty event loop behind the context, or IllegalStateException if it is not a Netty 4.2 IoEventLoop. */
    IoEventLoop eventLoop() {
        EventLoop loop = context.nettyEventLoop();
        if (loop instanceof IoEventLoop io) {
            return io;
        }
        throw new IllegalStateException("the Vert.x event loop " + loop + " is not a Netty IoEventLoop");
    }

    /** Enters the context on the current thread; returns what {@link #endDispatch} must restore. */
    Object beginDispatch() {
        return context.beginDispatch();
    }

    /** Leaves the context entered by {@link #beginDispatch}. */
    void endDispatch(Object previous) {
        context.endDispatch((ContextInternal) previous);
    }

    /** Runs {@code hook} when the Vert.x instance closes (before its event loops stop). */
    void addCloseHook(Closeable hook) {
        ((VertxInternal) context.owner()).addCloseHook(hook);
    }

    /** Resolves {@code host} with the Vert.x instance's name resolver; completes on a Vert.x thread. */
    CompletionStage<List<InetAddress>> resolve(String host) {
        CompletableFuture<List<InetAddress>> result = new CompletableFuture<>();
        ((VertxInternal) context.owner()).nameResolver().resolveAll(host).onComplete(ar -> {
            if (ar.failed()) {
                result.completeExceptionally(ar.cause());
                return;
            }
            List<InetAddress> addresses = new ArrayList<>(ar.result().size());
            for (InetSocketAddress a : ar.result()) {
                addresses.add(a.getAddress());
            }
            result.complete(addresses);
        });
        return result;
    }

    /** Removes a hook added by {@link #addCloseHook}. */
    void removeCloseHook(Closeable hook) {
        ((VertxInternal) context.owner()).removeCloseHook(hook);
    }
}
