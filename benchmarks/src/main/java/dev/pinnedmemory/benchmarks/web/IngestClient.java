package dev.pinnedmemory.benchmarks.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 client on one kept-alive socket that sends a prepared POST and reads the small answer,
 * allocating next to nothing per request (writes from one prepared array, reads into one buffer), so
 * what a profiler counts per request is the server's. One thread at a time.
 */
final class IngestClient implements AutoCloseable {

    private static final int WRITE_BYTES = 64 * 1024;

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] request;
    private final byte[] answer = new byte[8192];

    IngestClient(int port, String path, byte[] body) throws IOException {
        socket = new Socket("localhost", port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = socket.getInputStream();
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
    }

    /** {@return the answer's body length, after checking the status is 200} */
    int post() throws IOException {
        for (int offset = 0; offset < request.length; offset += WRITE_BYTES) {
            out.write(request, offset, Math.min(WRITE_BYTES, request.length - offset));
        }
        out.flush();
        return readAnswer();
    }

    private int readAnswer() throws IOException {
        int filled = 0;
        int headerEnd = -1;
        while (headerEnd < 0) {
            int read = in.read(answer, filled, answer.length - filled);
            if (read < 0) {
                throw new IOException("server closed the connection");
            }
            filled += read;
            headerEnd = indexOfBlankLine(filled);
        }
        if (answer[9] != '2' || answer[10] != '0' || answer[11] != '0') {
            throw new IOException("answer: " + new String(answer, 0, filled, StandardCharsets.ISO_8859_1));
        }
        int bodyLength = contentLength(headerEnd);
        while (filled < headerEnd + bodyLength) {
            int read = in.read(answer, filled, answer.length - filled);
            if (read < 0) {
                throw new IOException("server closed the connection mid-answer");
            }
            filled += read;
        }
        return bodyLength;
    }

    private int indexOfBlankLine(int filled) {
        for (int i = 3; i < filled; i++) {
            if (answer[i] == '\n' && answer[i - 1] == '\r' && answer[i - 2] == '\n' && answer[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /** Parses {@code Content-Length:} among the headers (Tomcat sends it for these short answers). */
    private int contentLength(int headerEnd) throws IOException {
        byte[] name = "content-length:".getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + name.length < headerEnd; i++) {
            for (int j = 0; j < name.length; j++) {
                if (Character.toLowerCase(answer[i + j]) != name[j]) {
                    continue outer;
                }
            }
            int value = 0;
            for (int k = i + name.length; k < headerEnd && answer[k] != '\r'; k++) {
                if (answer[k] >= '0' && answer[k] <= '9') {
                    value = value * 10 + (answer[k] - '0');
                }
            }
            return value;
        }
        throw new IOException("answer without Content-Length");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
