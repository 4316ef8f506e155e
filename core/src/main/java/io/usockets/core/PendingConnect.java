package io.usockets.core;

import io.usockets.CloseCode;
import io.usockets.core.spi.CorePoll;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The side state of a connect to a host name, kept out of the socket (docs/RULES.md I1) and alive only while the
 * connect is in progress: the names being resolved (the host, and the source host if it is a name), the addresses to
 * try, the attempts in flight and the timer of the next one. The loop finds it by its socket.
 *
 * <p>Happy Eyeballs (RFC 8305): the addresses are interleaved by family, IPv6 first unless the loop prefers IPv4; an
 * attempt starts at once, the next when one fails or after the loop's {@code connectAttemptDelay}, whichever comes
 * first. The first attempt to connect wins: its descriptor moves to the socket, which opens (on TLS its handshake
 * starts then), and the others are closed without a word. When every attempt has failed, the socket ends in
 * onConnectError with the last failure's code; a name that does not resolve ends it with NAME_NOT_RESOLVED. Every
 * failure is delivered on a later iteration (docs/RULES.md B3).
 *
 * <p>Single-threaded: owned by its loop's thread.
 */
final class PendingConnect implements NameCache.Waiter {

    private final CoreLoop loop;
    private final CoreSocket socket;
    private final String host;
    private final int port;
    private final String sourceHost;

    private List<InetAddress> remotes;
    private InetAddress source;
    private boolean sourceKnown;

    private InetAddress[] addresses;
    private int next;
    private final ArrayList<ConnectAttempt> attempts = new ArrayList<>(2);
    private CoreTimer<Void> delayTimer;
    private Throwable lastFailure;
    private boolean done;

    /** A connect of {@code socket} to {@code host} (a literal already parsed, or null) from {@code sourceHost}. */
    PendingConnect(CoreLoop loop, CoreSocket socket, String host, InetAddress literal, int port, String sourceHost,
                   InetAddress sourceLiteral) {
        this.loop = loop;
        this.socket = socket;
        this.host = host;
        this.port = port;
        this.sourceHost = sourceHost;
        this.remotes = literal == null ? null : List.of(literal);
        this.source = sourceLiteral;
        this.sourceKnown = sourceHost == null || sourceLiteral != null;
    }

    /** Starts resolving what is not known yet; attempts start once everything is (maybe before this returns). */
    void start() {
        if (remotes == null) {
            remotes = loop.names.lookup(host, this);
        }
        if (!sourceKnown && !done) {
            List<InetAddress> found = loop.names.lookup(sourceHost, this);
            if (found != null) {
                source = found.get(0);
                sourceKnown = true;
            }
        }
        if (remotes != null && sourceKnown && !done) {
            startAttempts();
        }
    }

    @Override
    public void answered(String name, List<InetAddress> found, Throwable failure) {
        if (done) {
            return;
        }
        if (failure != null) {
            fail(CloseCode.NAME_NOT_RESOLVED, failure);
            return;
        }
        // The host and the source may be one name (then this waiter was added twice and is answered twice); the
        // cache matches names without regard to case.
        boolean progressed = false;
        if (remotes == null && name.equalsIgnoreCase(host)) {
            remotes = found;
            progressed = true;
        }
        if (!sourceKnown && name.equalsIgnoreCase(sourceHost)) {
            source = found.get(0);
            sourceKnown = true;
            progressed = true;
        }
        if (progressed && remotes != null && sourceKnown) {
            startAttempts();
        }
    }

    /** Orders the addresses (RFC 8305 section 4) and starts the first attempt. */
    private void startAttempts() {
        addresses = order(remotes, source, loop.options.preferIpv4());
        if (addresses.length == 0) {
            fail(CloseCode.UNREACHABLE, new NoRouteToHostException(
                    "no address of " + host + " " + remotes + " has the family of the source address " + source));
            return;
        }
        startNextAttempt();
    }

    /**
     * The addresses, first family first (the source's, if one is given, and only it), the families alternating, each
     * family in the resolver's order.
     */
    static InetAddress[] order(List<InetAddress> found, InetAddress source, boolean preferIpv4) {
        List<InetAddress> v6 = new ArrayList<>();
        List<InetAddress> v4 = new ArrayList<>();
        for (InetAddress a : found) {
            if (source != null && (a instanceof Inet6Address) != (source instanceof Inet6Address)) {
                continue;
            }
            (a instanceof Inet6Address ? v6 : v4).add(a);
        }
        List<InetAddress> first = preferIpv4 ? v4 : v6;
        List<InetAddress> second = preferIpv4 ? v6 : v4;
        InetAddress[] ordered = new InetAddress[first.size() + second.size()];
        int n = 0;
        for (int i = 0; i < Math.max(first.size(), second.size()); i++) {
            if (i < first.size()) {
                ordered[n++] = first.get(i);
            }
            if (i < second.size()) {
                ordered[n++] = second.get(i);
            }
        }
        return ordered;
    }

    /** Starts attempts until one is in flight (or, with no delay, every one), then arms the delay for the next. */
    private void startNextAttempt() {
        boolean all = loop.connectAttemptDelayNanos == 0;
        while (next < addresses.length) {
            InetSocketAddress remote = new InetSocketAddress(addresses[next++], port);
            if (startAttempt(remote) && !all) {
                break;
            }
        }
        if (next < addresses.length) {
            if (delayTimer == null) {
                delayTimer = new CoreTimer<>(loop, true, null);
            }
            delayTimer.setInternal(t -> startNextAttempt(), loop.connectAttemptDelayNanos, 0);
        } else if (delayTimer != null) {
            delayTimer.close();
            delayTimer = null;
        }
        if (attempts.isEmpty() && next >= addresses.length) {
            fail(ErrorCodes.of(lastFailure), lastFailure);
        }
    }

    /** Starts one non-blocking connect; false (the failure noted) if it failed at once. */
    private boolean startAttempt(InetSocketAddress remote) {
        Object raw;
        try {
            raw = loop.ops.connect(remote, source == null ? null : new InetSocketAddress(source, 0));
        } catch (IOException e) {
            lastFailure = e;
            return false;
        }
        ConnectAttempt attempt = new ConnectAttempt(this);
        try {
            loop.eventing.register(attempt, raw);
        } catch (IOException e) {
            loop.ops.close(raw);
            lastFailure = e;
            return false;
        }
        attempts.add(attempt);
        loop.eventing.setInterest(attempt, CorePoll.WRITABLE);
        return true;
    }

    /** An attempt's descriptor is writable: it connected (and wins) or failed. */
    void attemptReady(ConnectAttempt attempt) {
        if (done || attempt.io == null) {
            return;
        }
        boolean connected;
        try {
            connected = loop.ops.finishConnect(loop.eventing.raw(attempt));
        } catch (IOException e) {
            attempts.remove(attempt);
            loop.eventing.close(attempt);
            attempt.io = null;
            lastFailure = e;
            if (next < addresses.length) {
                startNextAttempt();
            } else if (attempts.isEmpty()) {
                fail(ErrorCodes.of(e), e);
            }
            return;
        }
        if (!connected) {
            return;
        }
        attempts.remove(attempt);
        end();
        loop.eventing.transfer(attempt, socket);
        socket.connected();
    }

    /** Ends in onConnectError on the next iteration. */
    private void fail(CloseCode code, Throwable reason) {
        end();
        socket.failConnectLater(code, reason == null ? new UnknownHostException(host) : reason);
    }

    /**
     * The connect is over (won, failed, or its socket closed): closes every attempt still in flight and the timer,
     * stops waiting for names and forgets this state.
     */
    void end() {
        if (done) {
            return;
        }
        done = true;
        loop.connectEnded(socket);
        for (ConnectAttempt a : attempts) {
            loop.eventing.close(a);
            a.io = null;
        }
        attempts.clear();
        if (delayTimer != null) {
            delayTimer.close();
            delayTimer = null;
        }
        if (remotes == null) {
            loop.names.cancel(host, this);
        }
        if (!sourceKnown) {
            loop.names.cancel(sourceHost, this);
        }
    }
}
