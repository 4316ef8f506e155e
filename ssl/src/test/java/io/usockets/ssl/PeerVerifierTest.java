package io.usockets.ssl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-name matching of the client's verification (RFC 6125 on subject alternative names). */
class PeerVerifierTest {

    @Test
    void hostNamesMatchDnsNamesWildcardsAndIpAddresses() {
        Tls.libraryVersion();
        Certificates.Issued ca = Certificates.certificateAuthority("ca");
        Certificates.Issued cert = Certificates.issue(ca, "server", "www.example.test", "*.api.test", "127.0.0.1",
                "::1");
        assertTrue(PeerVerifier.matchesHost(cert.certificate(), "www.example.test"));
        assertTrue(PeerVerifier.matchesHost(cert.certificate(), "WWW.Example.Test"));
        assertTrue(PeerVerifier.matchesHost(cert.certificate(), "v1.api.test"));
        assertFalse(PeerVerifier.matchesHost(cert.certificate(), "a.v1.api.test"));
        assertFalse(PeerVerifier.matchesHost(cert.certificate(), "api.test"));
        assertTrue(PeerVerifier.matchesHost(cert.certificate(), "127.0.0.1"));
        assertTrue(PeerVerifier.matchesHost(cert.certificate(), "::1"));
        assertFalse(PeerVerifier.matchesHost(cert.certificate(), "127.0.0.2"));
        assertFalse(PeerVerifier.matchesHost(cert.certificate(), "server"), "the common name is not consulted");
        Certificates.Issued noNames = Certificates.issue(ca, "bare");
        assertFalse(PeerVerifier.matchesHost(noNames.certificate(), "bare"));
    }

    @Test
    void issuedCertificatesNameTheirIssuerAndSelfSignedOnesThemselves() {
        Certificates.Issued ca = Certificates.certificateAuthority("the ca");
        Certificates.Issued leaf = Certificates.issue(ca, "leaf", "leaf.test");
        assertTrue(leaf.certificate().getIssuerX500Principal().equals(ca.certificate().getSubjectX500Principal()));
        assertTrue(ca.certificate().getBasicConstraints() >= 0, "a CA certificate");
        assertTrue(leaf.certificate().getBasicConstraints() < 0, "not a CA certificate");
        Certificates.Issued self = Certificates.selfSigned("me", "me.test");
        assertTrue(self.certificate().getIssuerX500Principal().equals(self.certificate().getSubjectX500Principal()));
        assertTrue(leaf.certificatePem().startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertTrue(leaf.privateKeyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"));
    }
}
