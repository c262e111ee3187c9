package dev.pinnedmemory.benchmarks.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 client on one kept-alive socket that sends one prepared request again and again and reads the
 * answer into one buffer (a large answer's bytes past the buffer are read and dropped), allocating next to
 * nothing per request, so that what a profiler counts per request is the server's. One thread.
 */
final class InferenceClient implements AutoCloseable {

    private static final int WRITE_BYTES = 64 * 1024;

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] request;
    private final byte[] answer = new byte[16 * 1024];
    private int filled;

    /**
     * @param headerLength the JSON header's length for {@code Inference-Header-Content-Length}, or -1 for a JSON body
     */
    InferenceClient(int port, String path, byte[] body, int headerLength) throws IOException {
        socket = new Socket("localhost", port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = socket.getInputStream();
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                + (headerLength < 0 ? "application/json" : "application/octet-stream\r\nInference-Header-Content-Length: "
                + headerLength) + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
    }

    /** {@return the answer's body length, after checking that the status is 200} */
    int post() throws IOException {
        for (int offset = 0; offset < request.length; offset += WRITE_BYTES) {
            out.write(request, offset, Math.min(WRITE_BYTES, request.length - offset));
        }
        out.flush();
        return readAnswer();
    }

    /** Posts once more and {@return the whole answer, status line to body, for checks} */
    String lastAnswer() throws IOException {
        post();
        return new String(answer, 0, filled, StandardCharsets.ISO_8859_1);
    }

    private int readAnswer() throws IOException {
        filled = 0;
        int headerEnd = -1;
        while (headerEnd < 0) {
            headerEnd = indexOfBlankLine(fill());
        }
        if (answer[9] != '2' || answer[10] != '0' || answer[11] != '0') {
            throw new IOException("answer: " + new String(answer, 0, filled, StandardCharsets.ISO_8859_1));
        }
        int bodyLength = headerValue("content-length:", headerEnd);
        if (bodyLength < 0) {
            throw new IOException("answer without Content-Length: " + new String(answer, 0, filled, StandardCharsets.ISO_8859_1));
        }
        long left = (long) headerEnd + bodyLength - filled;
        while (left > 0) {
            if (filled == answer.length) {
                // A large body (binary outputs): its start stays for lastAnswer(), the rest is read over the buffer's tail.
                filled = answer.length / 2;
            }
            int before = filled;
            fill();
            left -= filled - before;
        }
        return bodyLength;
    }

    private int fill() throws IOException {
        int read = in.read(answer, filled, answer.length - filled);
        if (read < 0) {
            throw new IOException("server closed the connection");
        }
        filled += read;
        return filled;
    }

    private int indexOfBlankLine(int end) {
        for (int i = 3; i < end; i++) {
            if (answer[i] == '\n' && answer[i - 1] == '\r' && answer[i - 2] == '\n' && answer[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    private int headerValue(String lowerCaseName, int headerEnd) {
        byte[] name = lowerCaseName.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 1; i + name.length < headerEnd; i++) {
            if (answer[i - 1] != '\n') {
                continue;   // a header's name starts a line (Inference-Header-Content-Length is not Content-Length)
            }
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
        return -1;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
