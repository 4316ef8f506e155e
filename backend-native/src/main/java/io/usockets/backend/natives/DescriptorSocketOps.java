package io.usockets.backend.natives;

import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.usockets.ListenOptions;
import io.usockets.NativeHandle;
import io.usockets.core.spi.Addresses;
import io.usockets.core.spi.SocketOps;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.NotYetConnectedException;
import java.util.Arrays;

/**
 * The socket operations on raw descriptors, held in Netty's {@link Socket} objects ({@link UnixSocket} for unix
 * sockets, a plain {@link FileDescriptor} for a user poll's pipe, eventfd or timerfd): used by the {@code native}
 * backend (its own epoll set) and the {@code vertx-epoll} backend (Netty's epoll behind a Vert.x event loop). Netty's
 * epoll library is only the JNI binding here: no Netty channel, pipeline or buffer is involved.
 *
 * <p>Reads and writes pass memory addresses: direct buffers go to the kernel as they are; heap buffers are copied
 * through one 64 KiB direct scratch buffer per instance, a chunk per call. {@code write2} is one {@code writev}
 * from a two-entry iovec array in direct memory. {@code msgMore} turns TCP_CORK on; the next write without it,
 * {@code write2} or {@code flush} turns it off, which sends what was held. Which descriptors are corked is one bit per
 * descriptor number here, cleared when the descriptor is closed. Every TCP socket has TCP_NODELAY.
 *
 * <p>On an io_uring loop two things come from its rings instead ({@link #readFrom}, {@link #sendThrough}): a socket
 * that reads by RECV completions is read from the receive ring's queue, and a small write is copied into the send
 * area when it takes it ({@link UringSendArea}; a shutdown then waits behind those bytes).
 *
 * <p>One instance per loop; single-threaded.
 */
public final class DescriptorSocketOps implements SocketOps {

    private static final int IPPROTO_TCP = 6;
    private static final int TCP_CORK = 3;
    private static final int SOL_SOCKET = 1;
    private static final int SO_DOMAIN = 39;
    private static final int AF_UNIX = 1;
    private static final int SCRATCH_SIZE = 64 * 1024;
    private static final System.Logger LOG = System.getLogger("io.usockets");

    private final String backendName;
    private final ByteBuffer scratch;
    private final long scratchAddress;
    private final ByteBuffer iov;
    private final long iovAddress;
    private final byte[] acceptedAddress = new byte[26];
    /** The last direct buffer read into (the loop's receive buffer) and its address, to skip the lookup. */
    private ByteBuffer lastReadBuffer;
    private long lastReadAddress;

    /** Whether UDP uses recvmmsg/sendmmsg (decided when the loop is created), and its operations once asked for. */
    private final boolean batchedDatagrams;
    private DescriptorDatagramOps datagramOps;
    private static volatile boolean datagramFallbackLogged;

    /** Descriptor numbers with TCP_CORK on, one bit each. */
    private long[] corked = new long[16];
    /** Bytes an io_uring loop's RECV requests have read ahead, for the descriptors that read that way; else null. */
    private UringReceiveRing receiveRing;
    /** Where an io_uring loop copies small writes for its SEND requests; else null (every write is a system call). */
    private UringSendArea sendArea;
    /** A read filled the space it was given: more may be queued (see {@link #takeLastReadFilled()}). */
    private boolean lastReadFilled;
    /** A read returned bytes (see {@link #takeLastReadGotBytes()}). */
    private boolean lastReadGotBytes;

    /**
     * Allocates the scratch buffer and the iovec array of one loop of the backend named {@code backendName}.
     *
     * @param backendName the backend's name, for messages
     */
    public DescriptorSocketOps(String backendName) {
        this.backendName = backendName;
        scratch = ByteBuffer.allocateDirect(SCRATCH_SIZE);
        scratchAddress = Buffer.memoryAddress(scratch);
        iov = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
        iovAddress = Buffer.memoryAddress(iov);
        batchedDatagrams = batchedDatagrams(backendName);
    }

    /**
     * Whether this loop's UDP sockets use recvmmsg/sendmmsg: yes unless {@link DatagramAccess} cannot reach them (logged
     * once per process, with the reason) or {@code usockets.native.datagrams=single} asks for one datagram per call.
     */
    private static boolean batchedDatagrams(String backendName) {
        if ("single".equals(System.getProperty(DescriptorDatagramOps.MODE_PROPERTY))) {
            return false;
        }
        String reason = DatagramAccess.unavailableReason();
        if (reason == null) {
            return true;
        }
        if (!datagramFallbackLogged) {
            datagramFallbackLogged = true;
            LOG.log(System.Logger.Level.WARNING, "the " + backendName + " backend sends and receives UDP one datagram "
                    + "per call: " + reason);
        }
        return false;
    }

    /** The datagram operations on descriptors, made on first use; batched as decided when the loop was created. */
    @Override
    public DescriptorDatagramOps datagramOps() {
        if (datagramOps == null) {
            datagramOps = new DescriptorDatagramOps(this, batchedDatagrams);
        }
        return datagramOps;
    }

    /**
     * Closes a descriptor, logging a failure at DEBUG; null does nothing.
     *
     * @param fd the descriptor, or null
     */
    public static void closeQuietly(FileDescriptor fd) {
        if (fd == null) {
            return;
        }
        try {
            fd.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close failed", e);
        }
    }

    @Override
    public Socket listen(SocketAddress address, ListenOptions options) throws IOException {
        if (address instanceof UnixDomainSocketAddress unix) {
            UnixSocket socket = UnixSocket.open();
            try {
                socket.bind(new DomainSocketAddress(unix.getPath().toString()));
                socket.listen(options.backlog());
                return socket;
            } catch (IOException | RuntimeException e) {
                closeQuietly(socket);
                throw e;
            }
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        InetAddress host = inet.getAddress();
        boolean any = host.isAnyLocalAddress();
        boolean ipv6 = any ? Socket.isIPv6Preferred() : host instanceof Inet6Address;
        Socket socket = UnixSocket.openTcp(ipv6);
        try {
            socket.setReuseAddress(true);
            if (!options.exclusivePort()) {
                socket.setReusePort(true);
            }
            // The IPv6 wildcard accepts IPv4 too (IPV6_V6ONLY is off by default on Linux).
            socket.bind(any && ipv6 ? new InetSocketAddress(InetAddress.getByAddress(new byte[16]), inet.getPort()) : inet);
            socket.listen(options.backlog());
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    @Override
    public Socket accept(Object listen) throws IOException {
        Socket server = (Socket) listen;
        while (true) {
            // accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; -1 when nothing is pending.
            int fd = server.accept(acceptedAddress);
            if (fd < 0) {
                return null;
            }
            if (server instanceof UnixSocket) {
                return new UnixSocket(fd);
            }
            Socket socket = new Socket(fd);
            try {
                socket.setTcpNoDelay(true);
                return socket;
            } catch (IOException e) {
                // Reset before we got to it: drop it and take the next one.
                closeQuietly(socket);
            }
        }
    }

    @Override
    public Socket connect(SocketAddress remote, SocketAddress source) throws IOException {
        if (remote instanceof UnixDomainSocketAddress unix) {
            UnixSocket socket = UnixSocket.open();
            try {
                socket.connect(new DomainSocketAddress(unix.getPath().toString()));
                return socket;
            } catch (IOException | RuntimeException e) {
                closeQuietly(socket);
                throw e;
            }
        }
        InetSocketAddress inet = (InetSocketAddress) remote;
        Socket socket = UnixSocket.openTcp(inet.getAddress() instanceof Inet6Address);
        try {
            socket.setTcpNoDelay(true);
            if (source != null) {
                socket.bind(source);
            }
            socket.connect(inet);
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    @Override
    public boolean finishConnect(Object socket) throws IOException {
        return ((Socket) socket).finishConnect();
    }

    /** Reads of the descriptors {@code ring} holds bytes for come from it (the io_uring backend's completion reads). */
    void readFrom(UringReceiveRing ring) {
        receiveRing = ring;
    }

    /** Small writes go to {@code area} first (the io_uring backend's SEND requests); null: none. */
    void sendThrough(UringSendArea area) {
        sendArea = area;
    }

    @Override
    public int read(Object raw, ByteBuffer buffer) throws IOException {
        Socket socket = (Socket) raw;
        int position = buffer.position();
        int n;
        if (receiveRing != null && (n = receiveRing.read(socket.intValue(), buffer)) != UringReceiveRing.NOT_HELD) {
            if (n > 0) {
                // Bytes from the queue: the kernel may hold more behind them (a socket that reads by readiness now).
                lastReadGotBytes = true;
                lastReadFilled = true;
            }
            return n;
        }
        if (buffer.isDirect()) {
            if (buffer != lastReadBuffer) {
                lastReadAddress = Buffer.memoryAddress(buffer);
                lastReadBuffer = buffer;
            }
            n = socket.recvAddress(lastReadAddress, position, buffer.limit());
            if (n > 0) {
                buffer.position(position + n);
            }
        } else {
            n = socket.recvAddress(scratchAddress, 0, Math.min(buffer.remaining(), SCRATCH_SIZE));
            if (n > 0) {
                buffer.put(position, scratch, 0, n);
                buffer.position(position + n);
            }
        }
        if (n > 0) {
            lastReadGotBytes = true;
            if (!buffer.hasRemaining()) {
                lastReadFilled = true;
            }
        }
        return n;
    }

    /**
     * Whether a {@link #read} filled all the space it was given since the last call, so the kernel may hold more; the
     * call clears it. An eventing whose readiness is edge-like (io_uring's multishot poll reports new arrivals, not what
     * is left) reads again then.
     *
     * @return true if a read filled its buffer since the last call
     */
    public boolean takeLastReadFilled() {
        boolean filled = lastReadFilled;
        lastReadFilled = false;
        return filled;
    }

    /**
     * Whether a {@link #read} returned bytes since the last call; the call clears it. An eventing with edge-like
     * readiness reads again after a read of its own that found bytes, until one finds none: the end of the stream may
     * wait behind them with no new arrival to report it.
     *
     * @return true if a read returned bytes since the last call
     */
    public boolean takeLastReadGotBytes() {
        boolean got = lastReadGotBytes;
        lastReadGotBytes = false;
        return got;
    }

    @Override
    public int write(Object raw, ByteBuffer buffer, boolean msgMore) throws IOException {
        Socket socket = (Socket) raw;
        int fd = socket.intValue();
        if (sendArea != null) {
            // Taken by the area (copied; it coalesces the iteration's writes, so msgMore needs no cork), or refused
            // while its bytes wait for room in the kernel: else a system call, as on epoll.
            int taken = sendArea.write(fd, buffer, isCorked(fd));
            if (taken != UringSendArea.DIRECT) {
                return taken;
            }
        }
        if (msgMore && !isCorked(fd) && !(socket instanceof UnixSocket)) {
            setCork(socket, true);
            markCorked(fd, true);
        }
        int n = send(socket, buffer);
        if (!msgMore) {
            uncork(socket, fd);
        }
        return n;
    }

    /** Sends from {@code buffer} what the kernel takes now, advancing its position; returns the count. */
    private int send(Socket socket, ByteBuffer buffer) throws IOException {
        int position = buffer.position();
        int n;
        if (buffer.isDirect()) {
            n = socket.sendAddress(Buffer.memoryAddress(buffer), position, buffer.limit());
        } else {
            int length = Math.min(buffer.limit() - position, SCRATCH_SIZE);
            scratch.put(0, buffer, position, length);
            n = socket.sendAddress(scratchAddress, 0, length);
        }
        buffer.position(position + n);
        return n;
    }

    /** One gathering write of {@code header} then {@code payload}, advancing both; returns the total count. */
    @Override
    public long write2(Object raw, ByteBuffer header, ByteBuffer payload) throws IOException {
        Socket socket = (Socket) raw;
        if (sendArea != null) {
            int fd = socket.intValue();
            long taken = sendArea.write2(fd, header, payload, isCorked(fd));
            if (taken != UringSendArea.DIRECT) {
                return taken;
            }
        }
        int headerPosition = header.position();
        int headerLength = header.remaining();
        int payloadPosition = payload.position();
        int payloadLength = payload.remaining();
        long n;
        if (header.isDirect() && payload.isDirect()) {
            ByteBuffer vector = iov;
            vector.putLong(0, Buffer.memoryAddress(header) + headerPosition);
            vector.putLong(8, headerLength);
            vector.putLong(16, Buffer.memoryAddress(payload) + payloadPosition);
            vector.putLong(24, payloadLength);
            n = socket.writevAddresses(iovAddress, 2);
        } else {
            // One plain write of what fits in the scratch buffer: still a single system call for both parts.
            int fromHeader = Math.min(headerLength, SCRATCH_SIZE);
            int fromPayload = Math.min(payloadLength, SCRATCH_SIZE - fromHeader);
            scratch.put(0, header, headerPosition, fromHeader);
            scratch.put(fromHeader, payload, payloadPosition, fromPayload);
            n = socket.sendAddress(scratchAddress, 0, fromHeader + fromPayload);
        }
        int fromHeader = (int) Math.min(n, headerLength);
        header.position(headerPosition + fromHeader);
        payload.position(payloadPosition + (int) (n - fromHeader));
        uncork(socket, socket.intValue());
        return n;
    }

    @Override
    public void flush(Object raw) throws IOException {
        Socket socket = (Socket) raw;
        uncork(socket, socket.intValue());
    }

    private void uncork(Socket socket, int fd) throws IOException {
        if (isCorked(fd)) {
            markCorked(fd, false);
            setCork(socket, false);
        }
    }

    private boolean isCorked(int fd) {
        int word = fd >>> 6;
        return word < corked.length && (corked[word] & (1L << fd)) != 0;
    }

    private void markCorked(int fd, boolean on) {
        int word = fd >>> 6;
        if (word >= corked.length) {
            if (!on) {
                return;
            }
            corked = Arrays.copyOf(corked, Math.max(corked.length * 2, word + 1));
        }
        if (on) {
            corked[word] |= 1L << fd;
        } else {
            corked[word] &= ~(1L << fd);
        }
    }

    /** Turns TCP_CORK on or off. */
    private static void setCork(Socket socket, boolean on) throws IOException {
        socket.setIntOpt(IPPROTO_TCP, TCP_CORK, on ? 1 : 0);
    }

    /**
     * Shuts down one or both directions of {@code socket} ({@code shutdown(2)}). A connection the peer has already
     * reset answers ENOTCONN, which Netty turns into an unchecked {@code NotYetConnectedException}; it is ignored
     * here, as the JDK's NIO and µSockets ignore it, and the reset reaches the socket on its next read.
     */
    private static void shutdown(Object raw, boolean input, boolean output) throws IOException {
        try {
            ((Socket) raw).shutdown(input, output);
        } catch (NotYetConnectedException e) {
            // ENOTCONN: nothing left to shut down.
        }
    }

    @Override
    public void shutdownOutput(Object socket) throws IOException {
        if (sendArea != null && sendArea.deferFin(((Socket) socket).intValue())) {
            return; // the FIN follows the bytes the area holds (the io_uring backend sends it when they are sent)
        }
        shutdown(socket, false, true);
    }

    @Override
    public void shutdownInput(Object socket) throws IOException {
        shutdown(socket, true, false);
    }

    /** Closes the descriptor (forgetting its TCP_CORK bit), logging a failure at DEBUG. */
    @Override
    public void close(Object raw) {
        FileDescriptor fd = (FileDescriptor) raw;
        markCorked(fd.intValue(), false);
        closeQuietly(fd);
    }

    /** The local port, or -1 (unix sockets and other descriptors). */
    @Override
    public int localPort(Object raw) {
        if (!(raw instanceof Socket socket) || socket instanceof UnixSocket) {
            return -1;
        }
        InetSocketAddress local = socket.localAddress();
        return local == null ? -1 : local.getPort();
    }

    /** The remote port, or -1 (unix sockets). */
    @Override
    public int remotePort(Object raw) {
        Socket socket = (Socket) raw;
        if (socket instanceof UnixSocket) {
            return -1;
        }
        InetSocketAddress remote = socket.remoteAddress();
        return remote == null ? -1 : remote.getPort();
    }

    /** The remote IP bytes (4 for IPv4 and IPv4-mapped peers, 16 for IPv6), or empty for unix sockets. */
    @Override
    public byte[] remoteAddress(Object raw) {
        Socket socket = (Socket) raw;
        if (!(socket instanceof UnixSocket)) {
            InetSocketAddress remote = socket.remoteAddress();
            if (remote != null && remote.getAddress() != null) {
                return Addresses.remoteAddressBytes(remote.getAddress());
            }
        }
        return new byte[0];
    }

    @Override
    public NativeHandle handleOf(Object raw) {
        return NativeHandle.ofDescriptor(((FileDescriptor) raw).intValue());
    }

    /**
     * Wraps a descriptor given by the application: a unix socket becomes a {@link UnixSocket}, another socket a plain
     * {@link Socket}, and any other pollable descriptor (a pipe, an eventfd, a timerfd, for a user poll) a
     * {@link FileDescriptor}; its blocking mode is left as it is. A channel handle or a closed descriptor is an
     * IllegalArgumentException naming the backend; the core checks that it is not registered already.
     */
    @Override
    public FileDescriptor rawOf(NativeHandle handle) {
        if (handle.isChannel()) {
            throw new IllegalArgumentException(handle + " holds a channel; the " + backendName
                    + " backend needs a descriptor");
        }
        int fd = handle.descriptor();
        Socket socket;
        try {
            // Netty's Socket asks getsockname() for the family, which fails on anything but an open socket.
            socket = new Socket(fd);
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("Bad file descriptor")) {
                throw new IllegalArgumentException(handle + " is not an open descriptor", e);
            }
            return new FileDescriptor(fd);
        }
        try {
            return socket.getIntOpt(SOL_SOCKET, SO_DOMAIN) == AF_UNIX ? new UnixSocket(fd) : socket;
        } catch (IOException e) {
            return socket;
        }
    }
}
