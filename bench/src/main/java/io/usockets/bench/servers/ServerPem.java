package io.usockets.bench.servers;

import io.usockets.ssl.Certificates;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The certificate chain and private key (PEM text) a TLS comparison server presents: read from the files run.sh
 * passes, or, without files, a self-signed certificate for localhost and 127.0.0.1 made on the spot.
 */
record ServerPem(String certificateChain, String privateKey) {

    /**
     * The PEM files {@code certFile} and {@code keyFile}, or a fresh self-signed pair when both are null. One without
     * the other is an IllegalArgumentException; an unreadable file an UncheckedIOException naming it.
     */
    static ServerPem of(String certFile, String keyFile) {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("--cert and --key go together; got --cert " + certFile + " and --key "
                    + keyFile);
        }
        if (certFile == null) {
            Certificates.Issued selfSigned = Certificates.selfSigned("localhost", "localhost", "127.0.0.1");
            return new ServerPem(selfSigned.certificatePem(), selfSigned.privateKeyPem());
        }
        return new ServerPem(read(certFile), read(keyFile));
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the PEM file " + file, e);
        }
    }
}
