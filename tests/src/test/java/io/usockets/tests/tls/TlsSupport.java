package io.usockets.tests.tls;

import io.usockets.SocketContextOptions;
import io.usockets.ssl.Certificates;
import io.usockets.ssl.Tls;
import io.usockets.tests.TestLoop;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Test PKI and helpers of the TLS tests: a CA made at test time, a server certificate for localhost, 127.0.0.1 and
 * ::1, a client certificate (mTLS) and a second CA nobody trusts; JDK TLS contexts trusting the CA; PEM files for
 * the command-line peers; the native-object leak gate; and the system-tool check (fail under CI, skip elsewhere).
 */
public final class TlsSupport {

    /** The test CA. */
    public static final Certificates.Issued CA = Certificates.certificateAuthority("usockets test CA");
    /** The server certificate, issued by {@link #CA}. */
    public static final Certificates.Issued SERVER =
            Certificates.issue(CA, "localhost", "localhost", "127.0.0.1", "::1");
    /** A client certificate, issued by {@link #CA}. */
    public static final Certificates.Issued CLIENT = Certificates.issue(CA, "usockets test client");
    /** A CA nobody trusts, and a server certificate it issued. */
    public static final Certificates.Issued OTHER_CA = Certificates.certificateAuthority("untrusted CA");
    public static final Certificates.Issued UNTRUSTED_SERVER =
            Certificates.issue(OTHER_CA, "localhost", "localhost", "127.0.0.1");

    private TlsSupport() {
    }

    /** TLS options of a server presenting {@link #SERVER}. */
    public static SocketContextOptions serverOptions() {
        return SocketContextOptions.tlsFromPem(SERVER.certificatePem(), SERVER.privateKeyPem());
    }

    /** TLS options of a client that verifies servers against {@link #CA}. */
    public static SocketContextOptions verifyingClientOptions() {
        return SocketContextOptions.tlsClient().withCaPem(CA.certificatePem());
    }

    /** A JDK TLS context trusting {@link #CA}, presenting {@code clientCertificate} if not null. */
    public static SSLContext jdkContext(Certificates.Issued clientCertificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", CA.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientCertificate != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", clientCertificate.key(), "pw".toCharArray(),
                    new X509Certificate[] {clientCertificate.certificate(), CA.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "pw".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    /** A JDK TLS context for a java.net server presenting {@link #SERVER}. */
    public static SSLContext jdkServerContext() throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", SERVER.key(), "pw".toCharArray(),
                new X509Certificate[] {SERVER.certificate(), CA.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "pw".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    /** Writes a PEM file into {@code dir} and returns its path. */
    public static Path write(Path dir, String name, String pem) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, pem);
        return file;
    }

    /**
     * Fails unless every native SSL object made so far has been freed (after the loops are freed) within
     * {@link TestLoop#WAIT}.
     */
    public static void assertNoLiveSsl(long baseline) {
        long deadline = System.nanoTime() + TestLoop.WAIT.toNanos();
        long live = Tls.liveSslObjects();
        while (live > baseline && System.nanoTime() - deadline < 0) {
            sleep(10);
            live = Tls.liveSslObjects();
        }
        assertEquals(baseline, live, "native SSL objects still alive");
    }

    /** Fails unless every native SSL context made so far has been freed. */
    public static void assertNoLiveSslContexts(long baseline) {
        assertEquals(baseline, Tls.liveSslContexts(), "native SSL contexts still alive");
    }

    /** Skips (or fails under CI=true) unless {@code tool} runs here. */
    public static void requireTool(String tool, String... versionArgs) {
        boolean present;
        try {
            Process p = new ProcessBuilder(concat(tool, versionArgs)).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            present = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            present = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            present = false;
        }
        if (!present) {
            String message = "'" + tool + "' is not installed; .ci/run installs it";
            if ("true".equals(System.getenv("CI"))) {
                fail(message);
            }
            System.out.println("SKIPPED: " + message);
            assumeTrue(false, message);
        }
    }

    private static List<String> concat(String first, String... rest) {
        java.util.ArrayList<String> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(List.of(rest));
        return all;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Runs a command with {@code input} on stdin, which stays open until {@code closeStdinAfter} returns (tools that
     * stop at EOF, such as openssl s_client, would otherwise stop before they read the reply); returns its exit code
     * and output (stdout and stderr).
     */
    static String[] run(List<String> command, String input, Runnable closeStdinAfter)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getOutputStream().write(input.getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().flush();
        } catch (IOException exitedEarly) {
            // The tool exited before it read its input ("Stream closed"): the caller fails on its output and exit
            // code below, which say why, rather than on this write.
        }
        Thread closer = new Thread(() -> {
            try {
                closeStdinAfter.run();
            } catch (AssertionError timedOut) {
                // The event did not come: the test fails on the output below.
            } finally {
                try {
                    p.getOutputStream().close();
                } catch (IOException e) {
                    // The process already exited.
                }
            }
        });
        closer.setDaemon(true);
        closer.start();
        byte[] out = p.getInputStream().readAllBytes();
        boolean ended = p.waitFor(TestLoop.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        return new String[] {ended ? String.valueOf(p.exitValue()) : "timeout", new String(out, StandardCharsets.UTF_8)};
    }
}
