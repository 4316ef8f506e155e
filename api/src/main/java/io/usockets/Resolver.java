package io.usockets;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Turns a host name into addresses for {@link SocketContext#connect}, without blocking the loop. A loop uses the
 * one set with {@link LoopOptions.Builder#resolver}; without one it uses its eventing's resolver (Vert.x's own on
 * the Vert.x backends) or the library's system resolver (the JDK's {@link InetAddress#getAllByName}, which follows
 * {@code /etc/hosts} and the search domains, on a few shared daemon threads).
 *
 * <p>The loop calls {@link #resolve} on its own thread, at most once at a time per name: the loop's cache and the
 * sharing of concurrent lookups for one name sit above the resolver. IP literals never reach it.
 */
@FunctionalInterface
public interface Resolver {

    /**
     * Starts looking up {@code host} and returns at once with a stage that completes, on any thread, with its
     * addresses (an empty list or an exceptional completion means the name does not resolve); must not block.
     *
     * @param host the name to look up, never an IP literal
     * @return the stage that completes with the name's addresses
     */
    CompletionStage<List<InetAddress>> resolve(String host);
}
