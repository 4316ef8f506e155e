package io.usockets.ssl;

import io.netty.internal.tcnative.SSL;

/**
 * A parsed certificate chain and its private key (native objects), installed on each server {@code SSL} when its
 * handshake asks for a certificate. {@code SSL.setKeyMaterial} takes its own references, so this can be freed while
 * connections that used it live on.
 *
 * <p>Single-threaded: owned by one loop's thread.
 */
final class KeyMaterial {

    final long chain;
    final long key;
    private boolean freed;

    private KeyMaterial(long chain, long key) {
        this.chain = chain;
        this.key = key;
        Tcnative.keyMaterialCreated();
    }

    /**
     * Parses the chain and key of options (memory PEM or files) and checks that they belong together on a scratch
     * {@code SSL} of {@code ctx}; returns null when neither is set. Errors name the option.
     */
    static KeyMaterial load(long ctx, String certPem, String keyPem, String passphrase, String certOption,
            String keyOption) {
        if (certPem == null && keyPem == null) {
            return null;
        }
        if (certPem == null) {
            throw new IllegalArgumentException(keyOption + " is set but no certificate chain (certFile or certPem) is");
        }
        if (keyPem == null) {
            throw new IllegalArgumentException(certOption + " is set but no private key (keyFile or keyPem) is");
        }
        long chain = Pem.parseChain(certPem, certOption);
        long key;
        try {
            key = Pem.parseKey(keyPem, passphrase, keyOption);
        } catch (RuntimeException e) {
            SSL.freeX509Chain(chain);
            throw e;
        }
        KeyMaterial material = new KeyMaterial(chain, key);
        long scratch = Tcnative.newSsl(ctx, true);
        try {
            SSL.setKeyMaterial(scratch, chain, key);
        } catch (Exception e) {
            material.free();
            throw new IllegalArgumentException(keyOption + " does not match the certificate of " + certOption + ": "
                    + e.getMessage(), e);
        } finally {
            Tcnative.freeSsl(scratch);
            SSL.clearError();
        }
        return material;
    }

    /** Installs this chain and key on {@code ssl}. */
    void installOn(long ssl) throws Exception {
        SSL.setKeyMaterial(ssl, chain, key);
    }

    /** Frees the native chain and key; a second call does nothing. */
    void free() {
        if (!freed) {
            freed = true;
            SSL.freeX509Chain(chain);
            SSL.freePrivateKey(key);
            Tcnative.keyMaterialFreed();
        }
    }
}
