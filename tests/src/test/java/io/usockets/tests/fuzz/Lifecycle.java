package io.usockets.tests.fuzz;

import io.usockets.CloseCode;
import io.usockets.Loop;
import io.usockets.Socket;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The invariants the fuzzer checks on every socket, the hammer test's: a socket's callbacks come only while it is
 * open; onClose comes exactly once per opened socket (and once for a TLS server socket whose handshake failed before
 * it opened); a connect ends in exactly one of onOpen, onConnectError or a cancel; a data event is never empty; an
 * exception from a callback reaches the loop's callback-error handler, and nothing else does. Violations are
 * collected and thrown by {@link #check}, so the fuzzer reports them as findings.
 */
final class Lifecycle {

    enum State { CONNECTING, OPEN, CLOSED, CONNECT_FAILED, CANCELLED }

    /** What an application callback throws on purpose, to exercise the callback-error path. */
    static final class Deliberate extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Deliberate() {
            super("thrown on purpose by the fuzzer's application", null, false, false);
        }
    }

    private final boolean tls;
    final Map<Socket<?>, State> states = new IdentityHashMap<>();
    private final List<String> violations = new ArrayList<>();
    int opened;
    int closed;
    int callbackErrors;

    Lifecycle(boolean tls) {
        this.tls = tls;
    }

    void violation(String what) {
        if (violations.size() < 10) {
            violations.add(what);
        }
    }

    void connecting(Socket<?> s) {
        if (states.containsKey(s)) {
            violation("connect returned a socket already seen: " + states.get(s));
        }
        states.put(s, State.CONNECTING);
    }

    void opened(Socket<?> s, boolean isClient) {
        State was = states.get(s);
        if (isClient ? was != State.CONNECTING : was != null) {
            violation("onOpen(isClient=" + isClient + ") on a socket in state " + was);
        }
        states.put(s, State.OPEN);
        opened++;
    }

    void closed(Socket<?> s, CloseCode code) {
        State was = states.get(s);
        // A TLS server socket whose handshake fails closes without having opened.
        boolean failedHandshake = was == null && tls;
        if (was != State.OPEN && !failedHandshake) {
            violation("onClose(" + code + ") on a socket in state " + was);
        }
        if (!s.isClosed()) {
            violation("isClosed() is false inside onClose");
        }
        states.put(s, State.CLOSED);
        closed++;
    }

    void connectFailed(Socket<?> s, CloseCode code) {
        State was = states.get(s);
        if (was != State.CONNECTING) {
            violation("onConnectError(" + code + ") on a socket in state " + was);
        }
        states.put(s, State.CONNECT_FAILED);
    }

    /** closeConnecting() was called: if it cancelled the connect, no callback may follow. */
    void maybeCancelled(Socket<?> s) {
        if (states.get(s) == State.CONNECTING && s.isClosed()) {
            states.put(s, State.CANCELLED);
        }
    }

    /** onData, onWritable or onEnd: only on an open socket. */
    void event(Socket<?> s, String name) {
        State was = states.get(s);
        if (was != State.OPEN) {
            violation(name + " on a socket in state " + was);
        }
    }

    /**
     * onTimeout or onLongTimeout: on an open socket, or on one still connecting (the sweep visits connecting sockets
     * too; a timeout there is how a connect timeout is made).
     */
    void timeout(Socket<?> s, String name) {
        State was = states.get(s);
        if (was != State.OPEN && was != State.CONNECTING) {
            violation(name + " on a socket in state " + was);
        }
    }

    void data(Socket<?> s, ByteBuffer data) {
        event(s, "onData");
        if (!data.hasRemaining()) {
            violation("onData with no bytes");
        }
    }

    /** The loop's callback-error handler: the default's behaviour, and anything but a deliberate throw is a finding. */
    void callbackError(Loop loop, Object source, Throwable error) {
        callbackErrors++;
        if (!(error instanceof Deliberate)) {
            violation("a callback threw " + error + (error.getStackTrace().length > 0 ? " at "
                    + error.getStackTrace()[0] : ""));
        }
        if (source instanceof Socket<?> s && !s.isClosed()) {
            s.close(CloseCode.CALLBACK_FAILED, error);
        }
    }

    /** At the end, after the loop was freed: every socket ended exactly once; throws the violations. */
    void check() {
        for (Map.Entry<Socket<?>, State> e : states.entrySet()) {
            if (e.getValue() == State.OPEN || e.getValue() == State.CONNECTING) {
                violation("a socket never ended: " + e.getValue());
            }
        }
        if (!violations.isEmpty()) {
            throw new AssertionError("scripted kernel invariants broken: " + violations);
        }
    }
}
