package dev.pinnedmemory.inference.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client on one kept-alive socket that sends requests byte for byte as given (the way the
 * protocol's examples and Triton's clients write them) and reads whole responses (Content-Length or
 * chunked). One thread at a time.
 */
final class RawHttp implements AutoCloseable {

    /** A response: status, headers (names in lower case) and body. */
    record Response(int status, Map<String, String> headers, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** {@return the JSON part of a binary response (or the whole body)} */
        String json() {
            String length = header("Inference-Header-Content-Length");
            return length == null ? text() : new String(body, 0, Integer.parseInt(length), StandardCharsets.UTF_8);
        }

        /** {@return the binary part after the JSON, little-endian} */
        ByteBuffer binary() {
            int length = Integer.parseInt(header("Inference-Header-Content-Length"));
            return ByteBuffer.wrap(body, length, body.length - length).slice().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private final int port;
    private final int receiveBuffer;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private boolean closedByServer;

    RawHttp(int port) throws IOException {
        this(port, 0);
    }

    /** @param receiveBuffer the socket's receive buffer in bytes (small: the server's writes block), 0 for the default */
    RawHttp(int port, int receiveBuffer) throws IOException {
        this.port = port;
        this.receiveBuffer = receiveBuffer;
        connect();
    }

    private void connect() throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("localhost", port));
        socket.setSoTimeout(30_000);
        out = socket.getOutputStream();
        in = new java.io.BufferedInputStream(socket.getInputStream());
        closedByServer = false;
    }

    Response get(String path) throws IOException {
        send(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return read();
    }

    /** POSTs {@code body} with {@code headers} (each "Name: value"), Content-Length added. */
    Response post(String path, byte[] body, String... headers) throws IOException {
        send(head(path, body.length, headers));
        send(body);
        return read();
    }

    /** POSTs the JSON {@code header} followed by {@code binary}, with Inference-Header-Content-Length, as Triton's clients do. */
    Response postBinary(String path, String header, byte[] binary, String... headers) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        String[] all = new String[headers.length + 1];
        all[0] = "Inference-Header-Content-Length: " + json.length;
        System.arraycopy(headers, 0, all, 1, headers.length);
        byte[] body = new byte[json.length + binary.length];
        System.arraycopy(json, 0, body, 0, json.length);
        System.arraycopy(binary, 0, body, json.length, binary.length);
        return post(path, body, all);
    }

    static byte[] head(String path, long contentLength, String... headers) {
        StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        if (contentLength >= 0) {
            head.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    void send(byte[] bytes) throws IOException {
        if (closedByServer) {
            // Tomcat closes the connection after a 400, 413, 500 or 503: a client opens a new one.
            socket.close();
            connect();
        }
        out.write(bytes);
        out.flush();
    }

    Response read() throws IOException {
        String statusLine = line();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(); !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                body.write(in.readNBytes(size));
                line();
            }
            line();
        }
        closedByServer = "close".equalsIgnoreCase(headers.get("connection"));
        return new Response(status, headers, body.toByteArray());
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("connection closed after: " + line);
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
