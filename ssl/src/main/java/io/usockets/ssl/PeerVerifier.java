package io.usockets.ssl;

import io.netty.internal.tcnative.CertificateVerifier;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The peer-verification policy of a TLS context, called by BoringSSL during the handshake (tcnative's custom
 * verify callback; BoringSSL leaves chain validation to it). Without a CA every peer is accepted (µSockets' default);
 * with a CA the chain must validate against it (PKIX, no revocation checks) and a client also checks the server's
 * host name against the certificate's subject alternative names. A failure is recorded on the socket so it can
 * close with {@code TLS_VERIFY_FAILED} and a readable reason.
 *
 * <p>Single-threaded: runs on the loop thread inside an {@code SSL} call made by {@link TlsEngine}.
 */
final class PeerVerifier extends CertificateVerifier {

    private final TlsEngine engine;
    private final Set<TrustAnchor> anchors;

    PeerVerifier(TlsEngine engine, List<X509Certificate> caCertificates) {
        this.engine = engine;
        if (caCertificates == null) {
            this.anchors = null;
        } else {
            Set<TrustAnchor> set = new HashSet<>();
            for (X509Certificate c : caCertificates) {
                set.add(new TrustAnchor(c, null));
            }
            this.anchors = set;
        }
    }

    /** Whether peers are verified (a CA was given). */
    boolean verifies() {
        return anchors != null;
    }

    @Override
    public int verify(long ssl, byte[][] chain, String authMethod) {
        TlsSocket socket = engine.current;
        if (anchors == null) {
            return X509_V_OK;
        }
        String failure;
        int code;
        try {
            List<X509Certificate> certs = parse(chain);
            if (certs.isEmpty()) {
                failure = "the peer sent no certificate";
                code = X509_V_ERR_UNSPECIFIED;
            } else {
                validate(certs);
                String host = socket == null ? null : socket.verifyHost();
                if (host != null && !matchesHost(certs.get(0), host)) {
                    failure = "the certificate does not match the host name '" + host + "'";
                    code = X509_V_ERR_HOSTNAME_MISMATCH;
                } else {
                    return X509_V_OK;
                }
            }
        } catch (CertPathValidatorException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CertificateExpiredException) {
                code = X509_V_ERR_CERT_HAS_EXPIRED;
            } else if (cause instanceof CertificateNotYetValidException) {
                code = X509_V_ERR_CERT_NOT_YET_VALID;
            } else {
                code = X509_V_ERR_CERT_UNTRUSTED;
            }
            failure = "the certificate chain does not validate against the CA: " + e.getMessage();
        } catch (GeneralSecurityException | RuntimeException e) {
            failure = "the certificate chain cannot be checked: " + e;
            code = X509_V_ERR_UNSPECIFIED;
        }
        if (socket != null) {
            socket.verifyFailed(failure);
        }
        return code;
    }

    private static List<X509Certificate> parse(byte[][] chain) throws GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> certs = new ArrayList<>(chain == null ? 0 : chain.length);
        if (chain != null) {
            for (byte[] der : chain) {
                certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        }
        return certs;
    }

    private void validate(List<X509Certificate> certs) throws GeneralSecurityException {
        List<X509Certificate> path = new ArrayList<>(certs);
        // A peer may send its root too; PKIX wants the path without the anchor.
        while (path.size() > 1 && isAnchor(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(path), params);
    }

    private boolean isAnchor(X509Certificate c) {
        for (TrustAnchor a : anchors) {
            if (a.getTrustedCert().equals(c)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 6125 matching on subject alternative names: DNS names (one leading wildcard label) and IP addresses. */
    static boolean matchesHost(X509Certificate cert, String host) {
        java.util.Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
        if (names == null) {
            return false;
        }
        boolean ipHost = HostNames.isIpLiteral(host);
        String h = host.toLowerCase(Locale.ROOT);
        for (List<?> entry : names) {
            int type = (Integer) entry.get(0);
            String value = String.valueOf(entry.get(1));
            if (ipHost && type == 7) {
                try {
                    if (InetAddress.getByName(value).equals(InetAddress.getByName(host))) {
                        return true;
                    }
                } catch (java.net.UnknownHostException e) {
                    // An IP literal always parses; a malformed entry simply does not match.
                }
            } else if (!ipHost && type == 2 && dnsMatches(value.toLowerCase(Locale.ROOT), h)) {
                return true;
            }
        }
        return false;
    }

    private static boolean dnsMatches(String pattern, String host) {
        if (pattern.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot).equals(pattern.substring(1));
        }
        return pattern.equals(host);
    }
}
