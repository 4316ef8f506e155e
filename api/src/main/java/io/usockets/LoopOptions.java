package io.usockets;

import java.time.Duration;
import java.util.Objects;

/**
 * How to create a {@link Loop}: the arguments of µSockets' {@code us_create_loop} plus the Java additions.
 *
 * @param backend          backend name ({@code native}, {@code nio}, {@code vertx}, {@code vertx-epoll}), or null for
 *                         the {@code usockets.backend} system property, then the {@code USOCKETS_BACKEND} environment
 *                         variable, then the best backend that loads
 * @param hint             a foreign loop to integrate with (a Vert.x {@code Context} or {@code Vertx}), or a
 *                         backend object ({@code io.usockets.core.spi.Backend}) to use as is, or null
 * @param onWakeup         called on the loop thread after {@link Loop#wakeup()}, or null
 * @param onPre            called once per iteration before polling, or null
 * @param onPost           called once per iteration after the ready events, or null
 * @param receiveBufferSize size of the loop's one shared receive buffer (µSockets: LIBUS_RECV_BUFFER_LENGTH)
 * @param timeoutGranularity tick of the timeout sweep (µSockets: LIBUS_TIMEOUT_GRANULARITY, 4 s)
 * @param longTimeoutGranularity unit of {@link Socket#longTimeout(int)} (one minute; tests shorten it)
 * @param callbackErrorHandler what to do when a user callback throws, or null for the default
 * @param resolver         how host names are resolved for connect, or null for the eventing's (Vert.x) or the
 *                         system resolver
 * @param resolveCacheTtl  how long the loop keeps a name's addresses (30 s; 0 keeps none, lookups still shared)
 * @param connectAttemptDelay how long a connect waits for one address before it also tries the next (Happy
 *                         Eyeballs, 250 ms; 0 tries them all at once)
 * @param preferIpv4       whether a connect tries IPv4 addresses first (IPv6 first by default)
 */
public record LoopOptions(
        String backend,
        Object hint,
        LoopCallback onWakeup,
        LoopCallback onPre,
        LoopCallback onPost,
        int receiveBufferSize,
        Duration timeoutGranularity,
        Duration longTimeoutGranularity,
        CallbackErrorHandler callbackErrorHandler,
        Resolver resolver,
        Duration resolveCacheTtl,
        Duration connectAttemptDelay,
        boolean preferIpv4) {

    /** µSockets' LIBUS_RECV_BUFFER_LENGTH: 512 KiB. */
    public static final int DEFAULT_RECEIVE_BUFFER_SIZE = 512 * 1024;
    /** µSockets' LIBUS_TIMEOUT_GRANULARITY: 4 seconds. */
    public static final Duration DEFAULT_TIMEOUT_GRANULARITY = Duration.ofSeconds(4);
    /** The unit of long timeouts: one minute. */
    public static final Duration DEFAULT_LONG_TIMEOUT_GRANULARITY = Duration.ofMinutes(1);
    /** How long a resolved name's addresses are kept: 30 seconds, as the JDK keeps them by default. */
    public static final Duration DEFAULT_RESOLVE_CACHE_TTL = Duration.ofSeconds(30);
    /** The Happy Eyeballs connection attempt delay: 250 ms, as RFC 8305 recommends. */
    public static final Duration DEFAULT_CONNECT_ATTEMPT_DELAY = Duration.ofMillis(250);

    /**
     * Validates the options; sizes and durations out of range throw IllegalArgumentException.
     *
     * @param backend                backend name, or null for the configuration
     * @param hint                   a foreign loop to integrate with, or null
     * @param onWakeup               the wakeup callback, or null
     * @param onPre                  the pre-iteration callback, or null
     * @param onPost                 the post-iteration callback, or null
     * @param receiveBufferSize      4096 to 1073741824 bytes
     * @param timeoutGranularity     1 ms to 1 hour
     * @param longTimeoutGranularity the timeout tick to 24 hours
     * @param callbackErrorHandler   the handler of callback exceptions, or null for the default
     * @param resolver               the resolver of host names for connect, or null for the default
     * @param resolveCacheTtl        0 to one day
     * @param connectAttemptDelay    0 or more
     * @param preferIpv4             whether connects try IPv4 addresses first
     */
    public LoopOptions {
        if (receiveBufferSize < 4096 || receiveBufferSize > (1 << 30)) {
            throw new IllegalArgumentException(
                    "receiveBufferSize " + receiveBufferSize + " is out of range; expected 4096 to 1073741824 bytes");
        }
        Objects.requireNonNull(timeoutGranularity, "timeoutGranularity");
        Objects.requireNonNull(longTimeoutGranularity, "longTimeoutGranularity");
        if (timeoutGranularity.toMillis() < 1 || timeoutGranularity.toSeconds() > 3600) {
            throw new IllegalArgumentException(
                    "timeoutGranularity " + timeoutGranularity + " is out of range; expected 1 ms to 1 hour");
        }
        if (longTimeoutGranularity.compareTo(timeoutGranularity) < 0 || longTimeoutGranularity.toHours() > 24) {
            throw new IllegalArgumentException(
                    "longTimeoutGranularity " + longTimeoutGranularity + " is out of range; expected the timeout tick ("
                            + timeoutGranularity + ") to 24 hours");
        }
        Objects.requireNonNull(resolveCacheTtl, "resolveCacheTtl");
        Objects.requireNonNull(connectAttemptDelay, "connectAttemptDelay");
        if (resolveCacheTtl.isNegative() || resolveCacheTtl.toHours() > 24) {
            throw new IllegalArgumentException(
                    "resolveCacheTtl " + resolveCacheTtl + " is out of range; expected 0 to 24 hours");
        }
        if (connectAttemptDelay.isNegative() || connectAttemptDelay.toSeconds() > 60) {
            throw new IllegalArgumentException(
                    "connectAttemptDelay " + connectAttemptDelay + " is out of range; expected 0 to 60 seconds");
        }
    }

    /**
     * The defaults: backend from the configuration, no hint, no callbacks, µSockets' sizes.
     *
     * @return the options
     */
    public static LoopOptions defaults() {
        return builder().build();
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from these options.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.backend = backend;
        b.hint = hint;
        b.onWakeup = onWakeup;
        b.onPre = onPre;
        b.onPost = onPost;
        b.receiveBufferSize = receiveBufferSize;
        b.timeoutGranularity = timeoutGranularity;
        b.longTimeoutGranularity = longTimeoutGranularity;
        b.callbackErrorHandler = callbackErrorHandler;
        b.resolver = resolver;
        b.resolveCacheTtl = resolveCacheTtl;
        b.connectAttemptDelay = connectAttemptDelay;
        b.preferIpv4 = preferIpv4;
        return b;
    }

    /** Builds {@link LoopOptions}; not thread-safe. */
    public static final class Builder {
        private String backend;
        private Object hint;
        private LoopCallback onWakeup;
        private LoopCallback onPre;
        private LoopCallback onPost;
        private int receiveBufferSize = DEFAULT_RECEIVE_BUFFER_SIZE;
        private Duration timeoutGranularity = DEFAULT_TIMEOUT_GRANULARITY;
        private Duration longTimeoutGranularity = DEFAULT_LONG_TIMEOUT_GRANULARITY;
        private CallbackErrorHandler callbackErrorHandler;
        private Resolver resolver;
        private Duration resolveCacheTtl = DEFAULT_RESOLVE_CACHE_TTL;
        private Duration connectAttemptDelay = DEFAULT_CONNECT_ATTEMPT_DELAY;
        private boolean preferIpv4;

        private Builder() {
        }

        /**
         * Sets the backend name, or null to use the configuration.
         *
         * @param name the backend name, or null
         * @return this builder
         */
        public Builder backend(String name) {
            this.backend = name;
            return this;
        }

        /**
         * Sets the foreign loop to integrate with (a Vert.x Context or Vertx).
         *
         * @param foreignLoop a Vert.x {@code Context} or {@code Vertx}, or null
         * @return this builder
         */
        public Builder hint(Object foreignLoop) {
            this.hint = foreignLoop;
            return this;
        }

        /**
         * Sets the wakeup callback.
         *
         * @param callback the callback, or null
         * @return this builder
         */
        public Builder onWakeup(LoopCallback callback) {
            this.onWakeup = callback;
            return this;
        }

        /**
         * Sets the pre-iteration callback.
         *
         * @param callback the callback, or null
         * @return this builder
         */
        public Builder onPre(LoopCallback callback) {
            this.onPre = callback;
            return this;
        }

        /**
         * Sets the post-iteration callback.
         *
         * @param callback the callback, or null
         * @return this builder
         */
        public Builder onPost(LoopCallback callback) {
            this.onPost = callback;
            return this;
        }

        /**
         * Sets the size of the shared receive buffer in bytes.
         *
         * @param bytes 4096 to 1073741824
         * @return this builder
         */
        public Builder receiveBufferSize(int bytes) {
            this.receiveBufferSize = bytes;
            return this;
        }

        /**
         * Sets the timeout sweep tick.
         *
         * @param tick 1 ms to 1 hour
         * @return this builder
         */
        public Builder timeoutGranularity(Duration tick) {
            this.timeoutGranularity = tick;
            return this;
        }

        /**
         * Sets the unit of long timeouts.
         *
         * @param unit the timeout tick to 24 hours
         * @return this builder
         */
        public Builder longTimeoutGranularity(Duration unit) {
            this.longTimeoutGranularity = unit;
            return this;
        }

        /**
         * Replaces the default handler of exceptions thrown by user callbacks.
         *
         * @param handler the handler, or null for the default
         * @return this builder
         */
        public Builder callbackErrorHandler(CallbackErrorHandler handler) {
            this.callbackErrorHandler = handler;
            return this;
        }

        /**
         * Sets the resolver of host names for connect (it overrides the eventing's and the system resolver).
         *
         * @param nameResolver the resolver, or null for the default
         * @return this builder
         */
        public Builder resolver(Resolver nameResolver) {
            this.resolver = nameResolver;
            return this;
        }

        /**
         * Sets how long the loop keeps a resolved name's addresses (0 keeps none).
         *
         * @param ttl 0 to one day
         * @return this builder
         */
        public Builder resolveCacheTtl(Duration ttl) {
            this.resolveCacheTtl = ttl;
            return this;
        }

        /**
         * Sets the Happy Eyeballs delay before a connect also tries its next address (0: all at once).
         *
         * @param delay 0 or more
         * @return this builder
         */
        public Builder connectAttemptDelay(Duration delay) {
            this.connectAttemptDelay = delay;
            return this;
        }

        /**
         * Makes connects try IPv4 addresses before IPv6 ones.
         *
         * @param ipv4First true to try IPv4 first
         * @return this builder
         */
        public Builder preferIpv4(boolean ipv4First) {
            this.preferIpv4 = ipv4First;
            return this;
        }

        /**
         * Builds the options, validating them.
         *
         * @return the options
         */
        public LoopOptions build() {
            return new LoopOptions(backend, hint, onWakeup, onPre, onPost, receiveBufferSize, timeoutGranularity,
                    longTimeoutGranularity, callbackErrorHandler, resolver, resolveCacheTtl, connectAttemptDelay,
                    preferIpv4);
        }
    }
}
