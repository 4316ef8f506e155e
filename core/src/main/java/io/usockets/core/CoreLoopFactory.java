package io.usockets.core;

import io.usockets.Loop;
import io.usockets.LoopOptions;
import io.usockets.UdpPacketBuffer;
import io.usockets.core.spi.DatagramBuffer;
import io.usockets.internal.LoopFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The API's entry into the core: picks the backend and creates the loop on the calling thread. */
public final class CoreLoopFactory implements LoopFactory {

    /** Public for ServiceLoader. */
    public CoreLoopFactory() {
    }

    @Override
    public Loop create(LoopOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("loop options are null; use LoopOptions.defaults()");
        }
        var backend = Backends.choose(options);
        try {
            return new CoreLoop(options, backend.createEventing(options));
        } catch (IOException e) {
            throw new UncheckedIOException("the " + backend.name() + " backend could not create a loop", e);
        }
    }

    @Override
    public UdpPacketBuffer createPacketBuffer(int slots, int slotSize) {
        return new DatagramBuffer(slots, slotSize);
    }

    @Override
    public List<String> availableBackends() {
        return Backends.availableNames();
    }
}
