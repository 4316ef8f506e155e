package io.usockets.backend.vertx;

import io.netty.channel.IoEvent;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.unix.FileDescriptor;
import io.usockets.backend.natives.EpollEvents;
import io.usockets.core.spi.CorePoll;

/**
 * A poll on Vert.x's epoll transport: a raw descriptor (Netty's {@code Socket}, or a plain {@link FileDescriptor} for
 * a user poll) registered with Netty's epoll set behind the Vert.x event loop, level-triggered (no EPOLLET).
 */
final class EpollDescriptorHandle extends VertxHandle implements EpollIoHandle {

    EpollDescriptorHandle(VertxPoller poller, CorePoll poll, FileDescriptor fd) {
        super(poller, poll, fd);
    }

    @Override
    public FileDescriptor fd() {
        return (FileDescriptor) raw();
    }

    @Override
    int readyEvents(IoEvent event) {
        return EpollEvents.readyEvents(((EpollIoEvent) event).ops().value(),
                EpollEvents.effectiveInterest(poll.kind, interest));
    }

    @Override
    public String toString() {
        return "EpollDescriptorHandle[fd=" + fd().intValue() + "]";
    }
}
