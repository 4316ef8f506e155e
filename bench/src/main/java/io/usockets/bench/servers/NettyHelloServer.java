package io.usockets.bench.servers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ByteProcessor;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The toy protocol on Netty 4.2 with one event-loop thread (accepting and serving), on the epoll, io_uring or NIO
 * transport: a plain inbound handler per connection that counts the request ends in what it reads (with Netty's
 * {@link ByteProcessor}) and writes a slice of a preallocated buffer holding that many responses, flushing once per
 * read batch. Given an {@link SslContext}, each connection's pipeline starts with that context's {@code SslHandler},
 * and the same handler answers the decrypted bytes.
 */
final class NettyHelloServer implements HelloServer {

    /** The transports. */
    enum Transport { EPOLL, IO_URING, NIO }

    private final Transport transport;
    private final SslContext tls;
    private final HelloResponse answer;
    private EventLoopGroup group;
    private Channel serverChannel;

    /**
     * A server on {@code transport} answering with {@code answer}, speaking TLS through {@code tls}, or plain when it
     * is null.
     */
    NettyHelloServer(Transport transport, SslContext tls, HelloResponse answer) {
        this.transport = transport;
        this.tls = tls;
        this.answer = answer;
    }

    @Override
    public int start(String host, int port) throws InterruptedException {
        if (transport == Transport.EPOLL && !Epoll.isAvailable()) {
            throw new IllegalStateException("Netty's epoll transport does not load here: " + Epoll.unavailabilityCause());
        }
        if (transport == Transport.IO_URING && !IoUring.isAvailable()) {
            throw new IllegalStateException("Netty's io_uring transport does not load here: "
                    + IoUring.unavailabilityCause());
        }
        IoHandlerFactory io = switch (transport) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
        Class<? extends ServerChannel> channel = switch (transport) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
        group = new MultiThreadIoEventLoopGroup(1, io);
        byte[] copies = answer.repeated(answer.copies());
        ByteBuf responses = Unpooled.unreleasableBuffer(Unpooled.directBuffer(copies.length).writeBytes(copies));
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new Pipeline(tls, responses, answer))
                .bind(host, port).sync().channel();
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Puts a fresh {@code SslHandler} (when TLS) and a fresh answering handler on each new connection. */
    private static final class Pipeline extends ChannelInitializer<Channel> {
        private final SslContext tls;
        private final ByteBuf responses;
        private final HelloResponse answer;

        Pipeline(SslContext tls, ByteBuf responses, HelloResponse answer) {
            this.tls = tls;
            this.responses = responses;
            this.answer = answer;
        }

        @Override
        protected void initChannel(Channel channel) {
            if (tls != null) {
                channel.pipeline().addLast(tls.newHandler(channel.alloc()));
            }
            channel.pipeline().addLast(new Answer(responses, answer));
        }
    }

    /** Answers every request end it reads; one per connection, as it remembers a request end split across reads. */
    private static final class Answer extends ChannelInboundHandlerAdapter implements ByteProcessor {
        private final ByteBuf responses;
        private final int length;
        private final int copies;
        private final RequestEnds ends = new RequestEnds();
        private int requests;

        Answer(ByteBuf responses, HelloResponse answer) {
            this.responses = responses;
            this.length = answer.length();
            this.copies = answer.copies();
        }

        @Override
        public boolean process(byte value) {
            if (ends.next(value)) {
                requests++;
            }
            return true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            try {
                data.forEachByte(this);
            } finally {
                data.release();
            }
            while (requests > 0) {
                int answers = Math.min(requests, copies);
                ctx.write(responses.slice(0, answers * length), ctx.voidPromise());
                requests -= answers;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
