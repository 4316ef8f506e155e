package io.usockets.bench.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The toy protocol written directly on {@code java.nio}: one thread, one {@link Selector}, one shared direct read
 * buffer. Each connection counts the request ends it reads and the answers it still owes, and writes them from its
 * view of a preallocated buffer holding {@link HelloResponse#copies()} responses, so a short write resumes where it
 * stopped once the channel is writable; nothing is allocated per request.
 *
 * <p>Single-threaded: everything after {@link #start} runs on the server's own thread.
 */
final class JdkNioHelloServer implements HelloServer {

    /**
     * Per connection: a view of the responses with the answers being written between its position and limit, the
     * answers owed beyond them, and the request-end counter.
     */
    private static final class Connection {
        final ByteBuffer out;
        final RequestEnds ends = new RequestEnds();
        int owed;

        Connection(ByteBuffer shared) {
            this.out = shared.duplicate().limit(0);
        }
    }

    private final HelloResponse answer;
    private final ByteBuffer response;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private Selector selector;
    private ServerSocketChannel server;
    private Thread thread;
    private volatile boolean stopping;

    /** A server answering every request with {@code answer}. */
    JdkNioHelloServer(HelloResponse answer) {
        this.answer = answer;
        byte[] bytes = answer.repeated(answer.copies());
        response = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip().asReadOnlyBuffer();
    }

    @Override
    public int start(String host, int port) throws IOException {
        selector = Selector.open();
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(host, port), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::serve, "jdk-nio-hello");
        thread.start();
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stopping = true;
        selector.wakeup();
        thread.join(10_000);
    }

    private void serve() {
        try {
            while (!stopping) {
                selector.select();
                Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else {
                        serve(key);
                    }
                }
            }
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClosedSelectorException e) {
            // closed while stopping
        }
    }

    private void accept() throws IOException {
        SocketChannel channel;
        while ((channel = server.accept()) != null) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.register(selector, SelectionKey.OP_READ, new Connection(response));
        }
    }

    private void serve(SelectionKey key) {
        SocketChannel channel = (SocketChannel) key.channel();
        Connection connection = (Connection) key.attachment();
        try {
            if (key.isReadable()) {
                readBuffer.clear();
                int n = channel.read(readBuffer);
                if (n < 0) {
                    channel.close();
                    return;
                }
                for (int i = 0; i < n; i++) {
                    if (connection.ends.next(readBuffer.get(i))) {
                        connection.owed++;
                    }
                }
            }
            writeOwed(key, channel, connection);
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a broken channel: nothing more to do
            }
        }
    }

    /** Writes owed answers until done (read interest only) or the kernel is full (write interest too). */
    private void writeOwed(SelectionKey key, SocketChannel channel, Connection connection) throws IOException {
        ByteBuffer out = connection.out;
        while (out.hasRemaining() || connection.owed > 0) {
            if (!out.hasRemaining()) {
                int answers = Math.min(connection.owed, answer.copies());
                connection.owed -= answers;
                out.limit(answers * answer.length()).position(0);
            }
            channel.write(out);
            if (out.hasRemaining()) {
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                return;
            }
        }
        if (key.interestOps() != SelectionKey.OP_READ) {
            key.interestOps(SelectionKey.OP_READ);
        }
    }
}
