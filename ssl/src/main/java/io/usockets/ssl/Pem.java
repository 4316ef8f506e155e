package io.usockets.ssl;

import io.netty.internal.tcnative.Buffer;
import io.netty.internal.tcnative.SSL;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reads PEM input from a file or from memory, and parses it natively (keys, chains) or in Java (CA certificates). */
final class Pem {

    private Pem() {
    }

    /** The PEM text of an option: the memory value if set, else the file's content, else null. */
    static String read(String memory, String file, String fileOption) {
        if (memory != null) {
            return memory;
        }
        if (file == null) {
            return null;
        }
        try {
            return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(fileOption + " '" + file + "' cannot be read: " + e, e);
        }
    }

    /** Writes {@code pem} into a new memory BIO; the caller frees it with {@link SSL#freeBIO}. */
    private static long bioOf(String pem) throws Exception {
        byte[] bytes = pem.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(1, bytes.length));
        direct.put(bytes).flip();
        long bio = SSL.newMemBIO();
        int written = SSL.bioWrite(bio, Buffer.address(direct), bytes.length);
        if (written != bytes.length) {
            SSL.freeBIO(bio);
            throw new IllegalStateException("could not buffer " + bytes.length + " bytes of PEM (wrote " + written + ")");
        }
        return bio;
    }

    /** Parses a certificate chain natively; throws IllegalArgumentException naming {@code option}. */
    static long parseChain(String pem, String option) {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException(option + " holds no PEM certificate (no BEGIN CERTIFICATE line)");
        }
        long bio = 0;
        // The parser reads the thread's error queue to tell the end of the input from an error: start it empty.
        SSL.clearError();
        try {
            bio = bioOf(pem);
            long chain = SSL.parseX509Chain(bio);
            if (chain == 0) {
                throw new IllegalArgumentException(option + " holds no readable certificate");
            }
            return chain;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException(option + " is not a valid PEM certificate chain: " + e.getMessage(), e);
        } finally {
            if (bio != 0) {
                SSL.freeBIO(bio);
            }
            SSL.clearError();
        }
    }

    /** Parses a private key natively, decrypting it with {@code passphrase}; errors name the options. */
    static long parseKey(String pem, String passphrase, String option) {
        if (!pem.contains("PRIVATE KEY-----")) {
            throw new IllegalArgumentException(option + " holds no PEM private key (no BEGIN ... PRIVATE KEY line)");
        }
        boolean encrypted = pem.contains("ENCRYPTED");
        if (encrypted && passphrase == null) {
            throw new IllegalArgumentException(option + " is encrypted and no passphrase was given");
        }
        long bio = 0;
        SSL.clearError();
        try {
            bio = bioOf(pem);
            long key = SSL.parsePrivateKey(bio, passphrase);
            if (key == 0) {
                throw new IllegalArgumentException(option + " holds no readable private key");
            }
            return key;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            String hint = encrypted ? " (wrong passphrase?)" : "";
            throw new IllegalArgumentException(option + " cannot be read as a PEM private key" + hint + ": "
                    + e.getMessage(), e);
        } finally {
            if (bio != 0) {
                SSL.freeBIO(bio);
            }
            SSL.clearError();
        }
    }

    /** Parses CA certificates in Java; throws IllegalArgumentException naming {@code option}. */
    static List<X509Certificate> parseCertificates(String pem, String option) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (java.security.cert.Certificate c : factory.generateCertificates(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(option + " holds no PEM certificate");
            }
            return out;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(option + " is not a valid PEM certificate list: " + e.getMessage(), e);
        }
    }
}
