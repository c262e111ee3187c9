package dev.pinnedmemory.web;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import jakarta.servlet.ServletInputStream;

/**
 * Reads a servlet request body straight into pinned memory with Servlet 6.1's
 * {@link ServletInputStream#read(ByteBuffer)}, through a {@code ByteBuffer} view of the lease's own
 * segment: Tomcat 11 copies from its socket buffer into the segment, with no heap array between.
 * Stateless; thread-safe.
 *
 * <p>Tomcat may leave the view's position where it was and move its limit, so each call sets both and
 * counts what {@code read} returns. Each call offers at most {@value #MAX_READ_BYTES} bytes: a container
 * that keeps the API's default {@code read(ByteBuffer)} copies through a heap array of that size.
 */
final class ServletBodyReader {

    /** Bytes offered to one {@code read(ByteBuffer)}. */
    static final int MAX_READ_BYTES = 64 * 1024;

    private ServletBodyReader() {
    }

    /**
     * Reads {@code body} into the start of {@code target} until {@code target} is full or the body ends.
     *
     * @param filled a one-element array that holds the bytes read so far, also when this throws
     * @return whether the body ended (false: {@code target} is full and the body has more)
     * @throws IOException when reading fails (the client went away, a malformed chunk)
     */
    static boolean read(ServletInputStream body, MemorySegment target, long[] filled) throws IOException {
        long capacity = target.byteSize();
        long done = 0;
        while (done < capacity) {
            // A window of at most 1 GiB at a time: a ByteBuffer view cannot pass 2 GiB.
            long windowStart = done;
            MemorySegment window = target.asSlice(windowStart, Math.min(capacity - windowStart, 1L << 30));
            ByteBuffer view = window.asByteBuffer();
            int position = 0;
            while (position < view.capacity()) {
                view.limit(Math.min(view.capacity(), position + MAX_READ_BYTES)).position(position);
                int read = body.read(view);
                if (read < 0) {
                    return true;
                }
                if (read == 0) {
                    // Not expected of a blocking stream with room to fill; take one byte so the loop moves on.
                    int single = body.read();
                    if (single < 0) {
                        return true;
                    }
                    window.set(ValueLayout.JAVA_BYTE, position, (byte) single);
                    read = 1;
                }
                position += read;
                done = windowStart + position;
                filled[0] = done;
            }
        }
        return body.read() < 0;
    }
}
