package io.usockets.bench.servers;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking HTTP/1.1 client for the tests: one GET, or several pipelined, plain or over TLS, the raw
 * response bytes back.
 */
final class Http {

    private Http() {
    }

    /** Sends one GET on a new connection and returns the response: headers plus Content-Length bytes of body. */
    static byte[] get(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            return exchange(socket);
        }
    }

    /**
     * {@link #get} over TLS (the JDK's client, any version it and the server share), accepting whatever certificate
     * the server shows: the servers under test present throw-away self-signed ones.
     */
    static byte[] getTls(int port) throws IOException, GeneralSecurityException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            try (SSLSocket socket = tlsOver(plain, port)) {
                return exchange(socket);
            }
        }
    }

    private static byte[] exchange(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        socket.getOutputStream().write(REQUEST);
        return readResponse(socket.getInputStream());
    }

    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * Pipelines {@code inOneWrite} GETs in one write on a new connection (over TLS when {@code tls}), then one more
     * GET split inside its request end ({@code \r\n\r} and, after a pause so that it most likely arrives in a read
     * of its own, {@code \n}); returns the responses read, one per request, in order.
     */
    static List<byte[]> pipelined(int port, boolean tls, int inOneWrite) throws IOException, GeneralSecurityException,
            InterruptedException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            plain.setTcpNoDelay(true);
            Socket socket = tls ? tlsOver(plain, port) : plain;
            try {
                socket.setSoTimeout(5_000);
                OutputStream out = socket.getOutputStream();
                out.write(repeat(REQUEST, inOneWrite));
                out.flush();
                out.write(REQUEST, 0, REQUEST.length - 1);
                out.flush();
                Thread.sleep(100);
                out.write(REQUEST, REQUEST.length - 1, 1);
                out.flush();
                List<byte[]> responses = new ArrayList<>();
                InputStream in = socket.getInputStream();
                for (int i = 0; i <= inOneWrite; i++) {
                    responses.add(readResponse(in));
                }
                return responses;
            } finally {
                socket.close();
            }
        }
    }

    private static byte[] repeat(byte[] bytes, int times) {
        byte[] all = new byte[bytes.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(bytes, 0, all, i * bytes.length, bytes.length);
        }
        return all;
    }

    private static SSLSocket tlsOver(Socket plain, int port) throws IOException, GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustAnything()}, null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true);
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        return socket;
    }

    /** Reads one response: headers, then Content-Length bytes of body. */
    private static byte[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        int headerEnd = -1;
        while (headerEnd < 0) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the headers: " + response);
            }
            response.write(b);
            String soFar = response.toString(StandardCharsets.US_ASCII);
            if (soFar.endsWith("\r\n\r\n")) {
                headerEnd = soFar.length();
            }
        }
        int length = contentLength(response.toString(StandardCharsets.US_ASCII));
        response.write(in.readNBytes(length));
        return response.toByteArray();
    }

    /** Accepts every server certificate; for the tests' throw-away self-signed ones only. */
    private static final class TrustAnything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** The Content-Length header's value (any case). */
    static int contentLength(String headers) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        throw new IllegalArgumentException("no Content-Length in: " + headers);
    }

    /** The body of a response returned by {@link #get}. */
    static String body(byte[] response) {
        String text = new String(response, StandardCharsets.US_ASCII);
        return text.substring(text.indexOf("\r\n\r\n") + 4);
    }
}
