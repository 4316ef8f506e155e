package io.usockets.internal;

import io.usockets.Loop;
import io.usockets.LoopOptions;

import java.util.List;

/**
 * The bridge from {@code api} to the implementation in {@code core}, found with {@link java.util.ServiceLoader}.
 * Not part of the public API: the package is exported only to {@code io.usockets.core}.
 */
public interface LoopFactory {

    /**
     * Creates a loop with the given options on the backend they (or the configuration) name.
     *
     * @param options the loop options
     * @return the new loop
     */
    Loop create(LoopOptions options);

    /**
     * Names of the backends found on the class path that can load here, best first.
     *
     * @return the backend names
     */
    List<String> availableBackends();

    /**
     * Creates a packet buffer for UDP sockets.
     *
     * @param slots    the slot count
     * @param slotSize the bytes per slot
     * @return the new buffer
     */
    io.usockets.UdpPacketBuffer createPacketBuffer(int slots, int slotSize);
}
