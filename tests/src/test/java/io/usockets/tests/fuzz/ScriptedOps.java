package io.usockets.tests.fuzz;

import io.usockets.ListenOptions;
import io.usockets.NativeHandle;
import io.usockets.core.spi.SocketOps;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Function;

/**
 * The socket operations of the scripted kernel: every answer comes from the {@link Script}, and the answer a used-up
 * script gives (0) is the calm one: a connect succeeds, a read gets everything pending, a write takes everything. Accepts may find nothing
 * (EAGAIN) or run out of descriptors (EMFILE); connects are refused at once or later; reads return bytes (invented by
 * the script, or relayed from the {@link TlsPeer} in pieces the script chooses, perhaps with one byte corrupted),
 * nothing (EAGAIN), end of stream, or fail with ECONNRESET or ENOTCONN; writes take any part (a short write, 0 =
 * EAGAIN) or fail with EPIPE or ECONNRESET.
 */
final class ScriptedOps implements SocketOps {

    private final Script script;
    final ScriptedDescriptor.Table descriptors = new ScriptedDescriptor.Table();
    /** Makes the TLS peer of a new connection (true: we accepted it, the peer is a client), or null: no peer. */
    private final Function<Boolean, TlsPeer> peers;
    /** Bytes the script corrupted on their way to a TLS socket. */
    int corrupted;
    /**
     * In the steady state after a used-up script: what every read of a socket with no TLS peer gets (null: nothing,
     * EAGAIN, the used-up script's answer). Filled from a preallocated array, so the kernel's side allocates nothing.
     */
    byte[] steadyBytes;

    ScriptedOps(Script script, Function<Boolean, TlsPeer> peers) {
        this.script = script;
        this.peers = peers;
    }

    private static ScriptedDescriptor d(Object raw) {
        return (ScriptedDescriptor) raw;
    }

    @Override
    public Object listen(SocketAddress address, ListenOptions options) throws IOException {
        if (script.oneIn(16)) {
            throw new BindException("Address already in use");
        }
        return descriptors.open(true);
    }

    @Override
    public Object accept(Object listen) throws IOException {
        if (script.exhausted()) {
            return null; // no client is left to come
        }
        switch (script.pick(4)) {
            case 2:
                return null;
            case 3:
                if (script.oneIn(2)) {
                    throw new IOException("Too many open files");
                }
                return null;
            default:
                ScriptedDescriptor s = descriptors.open(false);
                s.peer = peers == null ? null : peers.apply(true);
                return s;
        }
    }

    @Override
    public Object connect(SocketAddress remote, SocketAddress source) throws IOException {
        if (script.oneIn(8)) {
            throw new ConnectException("Connection refused");
        }
        return descriptors.open(false);
    }

    @Override
    public boolean finishConnect(Object socket) throws IOException {
        switch (script.pick(4)) {
            case 2:
                return false;
            case 3:
                throw new ConnectException(script.oneIn(2) ? "Connection refused" : "Connection timed out");
            default:
                if (peers != null && d(socket).peer == null) {
                    d(socket).peer = peers.apply(false);
                }
                return true;
        }
    }

    @Override
    public int read(Object socket, ByteBuffer buffer) throws IOException {
        ScriptedDescriptor s = d(socket);
        if (s.peer != null) {
            s.peer.pump();
        }
        switch (script.pick(8)) {
            case 6:
                return 0;
            case 7:
                if (script.oneIn(4)) {
                    throw new IOException(script.oneIn(2) ? "Connection reset by peer" : "Socket is not connected");
                }
                return 0;
            default:
                break;
        }
        if (s.peer == null) {
            if (steadyBytes != null) {
                int n = Math.min(buffer.remaining(), steadyBytes.length);
                buffer.put(steadyBytes, 0, n);
                return n;
            }
            if (script.oneIn(6)) {
                return -1;
            }
            byte[] bytes = script.bytes(Math.min(buffer.remaining(), script.range(1, 4096)));
            buffer.put(bytes);
            return bytes.length;
        }
        if (s.peer.pending() == 0) {
            return s.peer.finished ? -1 : 0;
        }
        int start = buffer.position();
        int n = s.peer.take(buffer, s.peer.pending() - script.range(0, s.peer.pending() - 1));
        if (n > 0 && script.oneIn(64)) {
            int at = start + script.pick(n);
            buffer.put(at, (byte) (buffer.get(at) ^ (1 << script.pick(8))));
            corrupted++;
        }
        return n;
    }

    @Override
    public int write(Object socket, ByteBuffer buffer, boolean msgMore) throws IOException {
        ScriptedDescriptor s = d(socket);
        if (s.outputShut) {
            throw new IOException("Broken pipe");
        }
        if (script.oneIn(32)) {
            throw new IOException(script.oneIn(2) ? "Broken pipe" : "Connection reset by peer");
        }
        int n = buffer.remaining() == 0 ? 0 : script.oneIn(3) ? script.range(0, buffer.remaining())
                : buffer.remaining();
        if (s.peer != null && n > 0) {
            s.peer.receive(buffer, n);
        }
        buffer.position(buffer.position() + n);
        if (s.peer != null) {
            s.peer.pump();
        }
        return n;
    }

    @Override
    public long write2(Object socket, ByteBuffer header, ByteBuffer payload) throws IOException {
        int first = write(socket, header, false);
        if (header.hasRemaining()) {
            return first;
        }
        return first + write(socket, payload, false);
    }

    @Override
    public void flush(Object socket) {
    }

    @Override
    public void shutdownOutput(Object socket) {
        ScriptedDescriptor s = d(socket);
        s.outputShut = true;
        if (s.peer != null) {
            s.peer.ourFin();
            s.peer.pump();
        }
    }

    @Override
    public void shutdownInput(Object socket) {
    }

    @Override
    public void close(Object raw) {
        d(raw).closes++;
    }

    @Override
    public int localPort(Object raw) {
        return d(raw).listening ? 4433 : 40000 + d(raw).fd;
    }

    @Override
    public int remotePort(Object socket) {
        return 50000 + d(socket).fd;
    }

    @Override
    public byte[] remoteAddress(Object socket) {
        return new byte[] {127, 0, 0, 1};
    }

    @Override
    public NativeHandle handleOf(Object raw) {
        return NativeHandle.ofDescriptor(d(raw).fd);
    }

    @Override
    public Object rawOf(NativeHandle handle) {
        throw new IllegalArgumentException("the scripted kernel adopts no outside descriptors");
    }
}
