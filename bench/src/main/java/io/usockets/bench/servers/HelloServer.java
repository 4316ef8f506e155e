package io.usockets.bench.servers;

/** One comparison server: answers every chunk of data it receives with {@link HelloResponse}. */
interface HelloServer extends AutoCloseable {

    /** Starts listening on {@code host} and {@code port} (0 for any) and returns the bound port. */
    int start(String host, int port) throws Exception;

    /** Stops accepting, closes every connection and releases the threads. */
    @Override
    void close() throws Exception;
}
