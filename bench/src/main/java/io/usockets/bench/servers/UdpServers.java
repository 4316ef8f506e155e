package io.usockets.bench.servers;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.UdpPacketBuffer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocket;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * The UDP echo servers of the UDP bench, one per process: {@code usockets-BACKEND} (what the udp-echo example does:
 * each received batch sent back with one send of the same packet buffer),
 * {@code netty-epoll} (Netty's {@code EpollDatagramChannel} with {@code MAX_DATAGRAM_PAYLOAD_SIZE} set, so it reads
 * with {@code recvmmsg}; replies are flushed once per read batch, so it writes with {@code sendmmsg}) and {@code vertx}
 * (a Vert.x {@code DatagramSocket} on its native transport). Each prints {@code Listening on port N}; then every line
 * {@code stats} on standard input is answered with one line {@code allocated N}: the bytes allocated so far by every
 * live thread of the process.
 *
 * <p>Usage: {@code UdpServers KIND PORT}.
 */
public final class UdpServers {

    /** The largest datagram the Netty server expects, and how many it reads per recvmmsg. */
    private static final int NETTY_PAYLOAD = 2048;
    private static final int NETTY_BATCH = 64;

    private UdpServers() {
    }

    /**
     * A running server: its bound port, and how to stop it.
     *
     * @param port the bound port
     * @param stop stops the server and releases its threads
     */
    public record Started(int port, AutoCloseable stop) {
    }

    /** Starts the server named by {@code args[0]} on port {@code args[1]} and answers stats requests until EOF. */
    public static void main(String[] args) throws Exception {
        Started started = start(args[0], Integer.parseInt(args[1]));
        System.out.println("Listening on port " + started.port());
        System.out.flush();
        AutoCloseable server = started.stop();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("stats")) {
                System.out.println("allocated " + allocated());
                System.out.flush();
            }
        }
        server.close();
    }

    /**
     * Starts one server in this process.
     *
     * @param kind {@code usockets-BACKEND}, {@code netty-epoll} or {@code vertx}
     * @param port the port, 0 for any free one
     * @return the running server
     * @throws Exception when it cannot start
     */
    public static Started start(String kind, int port) throws Exception {
        if (kind.startsWith("usockets-")) {
            return usockets(kind.substring("usockets-".length()), port);
        } else if (kind.equals("netty-epoll")) {
            return netty(port);
        } else if (kind.equals("vertx")) {
            return vertx(port);
        }
        throw new IllegalArgumentException("unknown UDP server " + kind
                + "; expected usockets-BACKEND, netty-epoll or vertx");
    }

    /** Bytes allocated so far by every live thread. */
    private static long allocated() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, bytes);
        }
        return total;
    }

    private static Started usockets(String backend, int port) throws Exception {
        java.util.concurrent.CompletableFuture<Loop> created = new java.util.concurrent.CompletableFuture<>();
        int[] bound = {-1};
        Thread thread = new Thread(() -> {
            try {
                Loop loop = Loop.create(LoopOptions.builder().backend(backend).build());
                bound[0] = loop.<Void>createUdpSocket("127.0.0.1", port, UdpPacketBuffer.create(),
                        (s, buffer, n) -> s.send(buffer, n), null).boundPort();
                created.complete(loop);
                loop.run();
            } catch (RuntimeException | Error e) {
                created.completeExceptionally(e);
            }
        }, "usockets-udp-" + backend);
        thread.setDaemon(true);
        thread.start();
        Loop loop = created.get();
        return new Started(bound[0], () -> {
            loop.defer(loop::free);
            thread.join(10_000);
        });
    }

    private static Started netty(int port) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Channel channel = new Bootstrap().group(group)
                .channel(EpollDatagramChannel.class)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, NETTY_PAYLOAD)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(NETTY_PAYLOAD * NETTY_BATCH))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        ctx.write(new DatagramPacket(packet.content().retain(), packet.sender()));
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        ctx.flush();
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        return new Started(((java.net.InetSocketAddress) channel.localAddress()).getPort(), () -> {
            channel.close().sync();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        });
    }

    private static Started vertx(int port) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        DatagramSocket socket = vertx.createDatagramSocket();
        socket.handler(packet -> socket.send(packet.data(), packet.sender().port(), packet.sender().host()));
        socket.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        System.out.println("vertx native transport: " + vertx.isNativeTransportEnabled());
        return new Started(socket.localAddress().port(),
                () -> vertx.close().toCompletionStage().toCompletableFuture().get());
    }
}
