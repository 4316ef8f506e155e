package io.usockets.backend.vertx;

import io.netty.channel.IoEvent;
import io.netty.channel.nio.NioIoEvent;
import io.netty.channel.nio.NioIoHandle;
import io.usockets.backend.nio.channels.NioInterest;
import io.usockets.core.spi.CorePoll;

import java.nio.channels.SelectableChannel;

/** A poll on Vert.x's NIO transport: a java.nio channel registered with Netty's selector. */
final class NioChannelHandle extends VertxHandle implements NioIoHandle {

    NioChannelHandle(VertxPoller poller, CorePoll poll, SelectableChannel channel) {
        super(poller, poll, channel);
    }

    @Override
    public SelectableChannel selectableChannel() {
        return (SelectableChannel) raw();
    }

    @Override
    int readyEvents(IoEvent event) {
        return NioInterest.readyEvents(((NioIoEvent) event).ops().value());
    }

    @Override
    public String toString() {
        return "NioChannelHandle[" + raw() + "]";
    }
}
