package dev.pinnedmemory.autoconfigure;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings an HTTP/2 server sends a new connection, read off a plain socket (HTTP/2 with prior knowledge,
 * as gRPC without TLS speaks it): the client preface, an empty SETTINGS and a PING; the server has sent every
 * SETTINGS of its own by the time its PING acknowledgement arrives.
 */
final class Http2SettingsProbe {

    /** SETTINGS_MAX_FRAME_SIZE's identifier. */
    static final int MAX_FRAME_SIZE = 5;

    private static final int SETTINGS = 4;
    private static final int PING = 6;
    private static final int ACK = 1;

    private Http2SettingsProbe() {
    }

    /** {@return each setting the server at {@code port} sent, by identifier, its last value} */
    static Map<Integer, Long> settings(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, SETTINGS, 0, 0, 0, 0, 0});
            out.write(new byte[] {0, 0, 8, PING, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            Map<Integer, Long> settings = new HashMap<>();
            while (true) {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                in.readInt();
                byte[] payload = in.readNBytes(length);
                if (type == SETTINGS && (flags & ACK) == 0) {
                    for (int at = 0; at + 6 <= length; at += 6) {
                        int id = (payload[at] & 0xFF) << 8 | payload[at + 1] & 0xFF;
                        long value = ((payload[at + 2] & 0xFFL) << 24) | (payload[at + 3] & 0xFF) << 16
                                | (payload[at + 4] & 0xFF) << 8 | payload[at + 5] & 0xFF;
                        settings.put(id, value);
                    }
                } else if (type == PING && (flags & ACK) != 0) {
                    return settings;
                }
            }
        }
    }
}
