package io.usockets.tests;

import io.usockets.Loop;
import io.usockets.SocketContext;
import io.usockets.tests.tls.TlsSupport;
import org.junit.jupiter.params.provider.Arguments;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Plain or TLS: the second parameter of the conformance suite (docs/RULES.md B10: every backend, plain and TLS). A scenario
 * gets its contexts from {@link #context(Loop)} and its java.net peers from {@link #connect}; in TLS mode those are
 * TLS contexts presenting the test CA's server certificate (clients do not verify) and JDK {@link SSLSocket}s that
 * have completed their handshake.
 */
public enum Mode {
    PLAIN,
    TLS;

    /**
     * Method source for {@code @ParameterizedTest}: every backend in both modes (TLS only where the TLS library
     * loads; under CI=true it must).
     */
    public static Stream<Arguments> backendsAndModes() {
        List<Arguments> all = new ArrayList<>();
        boolean tls = tlsAvailable();
        for (String backend : Backends.names()) {
            all.add(Arguments.of(backend, PLAIN));
            if (tls) {
                all.add(Arguments.of(backend, TLS));
            }
        }
        return all.stream();
    }

    /** Whether netty-tcnative loads here; prints why not (and fails under CI=true) when it does not. */
    public static boolean tlsAvailable() {
        try {
            io.usockets.ssl.Tls.libraryVersion();
            return true;
        } catch (IllegalStateException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw e;
            }
            System.out.println("TLS mode skipped: " + e.getMessage());
            return false;
        }
    }

    /**
     * Scenarios that run in plain mode only, each with the reason TLS does not fit it (the rest of the conformance
     * suite runs in both modes; scenarios with no socket data — timers, loop, threads, configuration, accept
     * back-off — have no mode at all).
     */
    public static final java.util.Map<String, String> PLAIN_ONLY = java.util.Map.of(
            "ContextTest.preOpenReturningNullHandsTheConnectionToAnotherContext",
            "the peer sends before the connection is adopted; a TLS peer cannot send before its handshake, which"
                    + " only the adopting context can answer",
            "FailureTest.peerResetWhileWritingClosesTheSocketWithoutAnEscapingException",
            "the JDK's TLS peer sends close_notify before its reset, so the server sees an orderly end first",
            "ListenTest.unixListenSocketRemovesItsFileOnClose",
            "its peer is a raw unix-domain SocketChannel and the JDK has no TLS over those (TLS over unix sockets"
                    + " runs in unixListenReplacesAStaleFileAndEchoesWithConnectUnix)");

    /** Method source for scenarios listed in {@link #PLAIN_ONLY}: every backend, plain mode. */
    public static Stream<Arguments> backendsPlainOnly() {
        return Backends.names().stream().map(b -> Arguments.of(b, PLAIN));
    }

    /** A socket context of this mode on {@code loop} (call on the loop thread). */
    public <C, S> SocketContext<C, S> context(Loop loop) {
        return this == PLAIN ? loop.createSocketContext() : loop.createSocketContext(TlsSupport.serverOptions());
    }

    /** Accepts one connection on a java.net server: plain, or TLS with the server handshake done. */
    public Socket accept(java.net.ServerSocket server, int timeoutMillis) throws IOException {
        Socket s = server.accept();
        if (this == PLAIN) {
            return s;
        }
        try {
            s.setSoTimeout(timeoutMillis);
            SSLSocket tls = (SSLSocket) TlsSupport.jdkServerContext().getSocketFactory()
                    .createSocket(s, null, s.getPort(), true);
            tls.setUseClientMode(false);
            tls.setSoTimeout(timeoutMillis);
            tls.startHandshake();
            return tls;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        } catch (Exception e) {
            s.close();
            throw new IOException("cannot set up the TLS peer", e);
        }
    }

    /**
     * A connected blocking peer: plain, or TLS with the handshake done (trusting the test CA), with a receive
     * buffer of {@code receiveBuffer} bytes unless 0. The caller sets timeouts and closes it.
     */
    public Socket connect(InetSocketAddress address, int receiveBuffer, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMillis);
            s.connect(address, timeoutMillis);
            return over(s, timeoutMillis);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * The client end of this mode over the connected {@code plain} socket: {@code plain} itself, or a JDK TLS client
     * over it with the handshake done (closing it closes {@code plain}; closing {@code plain} alone skips TLS's
     * close_notify).
     */
    public Socket over(Socket plain, int timeoutMillis) throws IOException {
        if (this == PLAIN) {
            return plain;
        }
        try {
            SSLSocket tls = (SSLSocket) TlsSupport.jdkContext(null).getSocketFactory()
                    .createSocket(plain, "localhost", plain.getPort(), true);
            tls.setUseClientMode(true);
            tls.setSoTimeout(timeoutMillis);
            tls.startHandshake();
            return tls;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot set up the TLS peer", e);
        }
    }
}
