package io.usockets.ssl;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Makes throwaway certificates in memory — a small CA and the certificates it issues, or a self-signed one — for
 * trying TLS out ({@code http-server --ssl}) and for tests. Keys are EC P-256, signatures ECDSA with SHA-256; the
 * DER is written here because the JDK has no public API for issuing certificates. Nothing made here is fit for
 * production use: the keys live unencrypted in memory and the CA has no revocation.
 */
public final class Certificates {

    /** A certificate and its private key, as PEM text and as JDK objects. */
    public record Issued(String certificatePem, String privateKeyPem, X509Certificate certificate, PrivateKey key) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter UTC_TIME =
            DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    private Certificates() {
    }

    /**
     * A self-signed CA certificate valid for a day.
     *
     * @param commonName the CA's common name
     * @return the CA's certificate and key
     */
    public static Issued certificateAuthority(String commonName) {
        KeyPair pair = newKeyPair();
        return sign(commonName, List.of(), true, pair, commonName, pair.getPrivate(), Instant.now(),
                Duration.ofDays(1));
    }

    /**
     * A certificate for {@code names} (DNS names or IP literals) issued by {@code ca}, valid for a day.
     *
     * @param ca         the issuer
     * @param commonName the subject's common name
     * @param names      DNS names or IP literals
     * @return the certificate and its key
     */
    public static Issued issue(Issued ca, String commonName, String... names) {
        return issue(ca, commonName, Instant.now(), Duration.ofDays(1), names);
    }

    /**
     * A certificate for {@code names} issued by {@code ca}, valid from {@code from} for {@code validity}.
     *
     * @param ca         the issuer
     * @param commonName the subject's common name
     * @param from       the start of validity
     * @param validity   how long it is valid
     * @param names      DNS names or IP literals
     * @return the certificate and its key
     */
    public static Issued issue(Issued ca, String commonName, Instant from, Duration validity, String... names) {
        String issuer = ca.certificate().getSubjectX500Principal().getName().replaceFirst("^CN=", "");
        return sign(commonName, List.of(names), false, newKeyPair(), issuer, ca.key(), from, validity);
    }

    /**
     * A self-signed certificate for {@code names} (DNS names or IP literals), valid for a day.
     *
     * @param commonName the common name
     * @param names      DNS names or IP literals
     * @return the certificate and its key
     */
    public static Issued selfSigned(String commonName, String... names) {
        KeyPair pair = newKeyPair();
        return sign(commonName, List.of(names), false, pair, commonName, pair.getPrivate(), Instant.now(),
                Duration.ofDays(1));
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys", e);
        }
    }

    private static Issued sign(String subject, List<String> names, boolean ca, KeyPair pair, String issuer,
            PrivateKey issuerKey, Instant from, Duration validity) {
        byte[] algorithm = seq(oid("1.2.840.10045.4.3.2"));
        List<byte[]> extensions = new ArrayList<>();
        extensions.add(extension("2.5.29.19", true, ca ? seq(tlv(0x01, new byte[] {(byte) 0xFF})) : seq()));
        // keyUsage: keyCertSign + cRLSign for the CA, digitalSignature + keyEncipherment otherwise.
        extensions.add(extension("2.5.29.15", true, ca ? tlv(0x03, new byte[] {1, 0x06})
                : tlv(0x03, new byte[] {5, (byte) 0xA0})));
        if (!names.isEmpty()) {
            List<byte[]> general = new ArrayList<>();
            for (String name : names) {
                if (HostNames.isIpLiteral(name)) {
                    general.add(tlv(0x87, ipBytes(name)));
                } else {
                    general.add(tlv(0x82, name.getBytes(StandardCharsets.US_ASCII)));
                }
            }
            extensions.add(extension("2.5.29.17", false, seq(general.toArray(new byte[0][]))));
        }
        byte[] tbs = seq(
                tlv(0xA0, integer(BigInteger.valueOf(2))),
                integer(new BigInteger(63, RANDOM).add(BigInteger.ONE)),
                algorithm,
                name(issuer),
                seq(time(from.minus(Duration.ofHours(1))), time(from.plus(validity))),
                name(subject),
                pair.getPublic().getEncoded(),
                tlv(0xA3, seq(extensions.toArray(new byte[0][]))));
        try {
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(issuerKey, RANDOM);
            signer.update(tbs);
            byte[] signature = signer.sign();
            byte[] der = seq(tbs, algorithm, bitString(signature));
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
            return new Issued(pem("CERTIFICATE", der), pem("PRIVATE KEY", pair.getPrivate().getEncoded()), cert,
                    pair.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate for " + subject, e);
        }
    }

    /**
     * PEM armour around DER bytes.
     *
     * @param type the PEM label, such as {@code CERTIFICATE}
     * @param der  the DER bytes
     * @return the PEM text
     */
    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    // ---------------------------------------------------------------- DER

    private static byte[] ipBytes(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP literal", e);
        }
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical ? seq(oid(oid), tlv(0x01, new byte[] {(byte) 0xFF}), tlv(0x04, value))
                : seq(oid(oid), tlv(0x04, value));
    }

    private static byte[] name(String commonName) {
        byte[] cn = seq(oid("2.5.4.3"), tlv(0x0C, commonName.getBytes(StandardCharsets.UTF_8)));
        return seq(tlv(0x31, cn));
    }

    private static byte[] time(Instant instant) {
        return tlv(0x17, UTC_TIME.format(instant).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] integer(BigInteger value) {
        return tlv(0x02, value.toByteArray());
    }

    private static byte[] bitString(byte[] bits) {
        byte[] content = new byte[bits.length + 1];
        System.arraycopy(bits, 0, content, 1, bits.length);
        return tlv(0x03, content);
    }

    private static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            long v = Long.parseLong(parts[i]);
            int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
            for (int g = groups - 1; g >= 0; g--) {
                int b = (int) ((v >>> (7 * g)) & 0x7F);
                out.write(g > 0 ? b | 0x80 : b);
            }
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n & 0xFF);
        } else {
            out.write(0x83);
            out.write(n >>> 16);
            out.write((n >>> 8) & 0xFF);
            out.write(n & 0xFF);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
