package io.usockets.bench.servers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
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
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The toy protocol on Netty 4.2 with one event-loop thread (accepting and serving), on the epoll or the NIO
 * transport: a plain inbound handler that drops what it reads and writes a preallocated response per read, flushing
 * once per read batch. Given an {@link SslContext}, each connection's pipeline starts with that context's
 * {@code SslHandler}, and the same handler answers each decrypted read.
 */
final class NettyHelloServer implements HelloServer {

    private final boolean epoll;
    private final SslContext tls;
    private EventLoopGroup group;
    private Channel serverChannel;

    /** A plain server on the epoll or NIO transport. */
    NettyHelloServer(boolean epoll) {
        this(epoll, null);
    }

    /** A server on the epoll or NIO transport that speaks TLS through {@code tls}, or plain when it is null. */
    NettyHelloServer(boolean epoll, SslContext tls) {
        this.epoll = epoll;
        this.tls = tls;
    }

    @Override
    public int start(String host, int port) throws InterruptedException {
        if (epoll && !Epoll.isAvailable()) {
            throw new IllegalStateException("Netty's epoll transport does not load here: " + Epoll.unavailabilityCause());
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        group = new MultiThreadIoEventLoopGroup(1, io);
        ByteBuf response = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(HelloResponse.bytes().length).writeBytes(HelloResponse.bytes()));
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(tls == null ? new Answer(response) : new TlsThenAnswer(tls, new Answer(response)))
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

    /** Puts a fresh {@code SslHandler} in front of the shared answering handler on each new connection. */
    private static final class TlsThenAnswer extends ChannelInitializer<Channel> {
        private final SslContext tls;
        private final Answer answer;

        TlsThenAnswer(SslContext tls, Answer answer) {
            this.tls = tls;
            this.answer = answer;
        }

        @Override
        protected void initChannel(Channel channel) {
            channel.pipeline().addLast(tls.newHandler(channel.alloc()), answer);
        }
    }

    /** Writes the response once per read; shared by every connection, so stateless. */
    @ChannelHandler.Sharable
    private static final class Answer extends ChannelInboundHandlerAdapter {
        private final ByteBuf response;

        Answer(ByteBuf response) {
            this.response = response;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.write(response.duplicate(), ctx.voidPromise());
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
