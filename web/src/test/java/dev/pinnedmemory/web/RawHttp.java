package dev.pinnedmemory.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A client that sends exactly the bytes a test wants, including bodies that stop short: a plain socket. */
final class RawHttp implements AutoCloseable {

    private final Socket socket;

    RawHttp(int port) throws IOException {
        this.socket = new Socket("localhost", port);
        socket.setSoTimeout(10_000);
    }

    /** Sends a POST declaring {@code contentLength} bytes of octet-stream, then {@code body}. */
    RawHttp post(String path, long contentLength, byte[] body) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + contentLength + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return this;
    }

    /** Says no more is coming, and keeps reading. */
    RawHttp endOutput() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    /** {@return the answer's status line, or empty when the server closed without one} */
    String statusLine() throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** Goes away: what a client that dies mid-upload looks like. */
    @Override
    public void close() throws IOException {
        socket.setSoLinger(true, 0);   // a reset, not a polite end of stream
        socket.close();
    }
}
