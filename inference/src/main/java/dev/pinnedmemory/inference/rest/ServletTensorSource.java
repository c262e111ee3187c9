package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import dev.pinnedmemory.inference.TensorSink;
import dev.pinnedmemory.inference.TensorSource;
import jakarta.servlet.ServletInputStream;

/**
 * A binary tensor of a REST body, read with Servlet 6.1's {@link ServletInputStream#read(ByteBuffer)}
 * through a {@code ByteBuffer} view of the lease: Tomcat copies from its socket buffer into pinned memory,
 * with no heap array between. Reads exactly the tensor's bytes and leaves the rest of the body.
 *
 * <p>One view per window of at most 1 GiB (a {@code ByteBuffer} cannot pass 2 GiB), made once: each read
 * only moves its position and limit, so reading 16 MiB in Tomcat's 8 KiB steps allocates nothing here.
 * Tomcat may leave the view's position where it was, so each call sets position and limit and counts what
 * {@code read} returns. Each call offers at most {@value #MAX_READ_BYTES} bytes: a container that keeps the
 * API's default {@code read(ByteBuffer)} copies through a heap array of that size. Used by one request's
 * thread; reusable for its inputs in turn.
 */
final class ServletTensorSource implements TensorSource {

    /** Bytes offered to one {@code read(ByteBuffer)}. */
    static final int MAX_READ_BYTES = 64 * 1024;

    /** Bytes of one view of the lease. */
    static final long WINDOW_BYTES = 1L << 30;

    private final ServletInputStream body;

    ServletTensorSource(ServletInputStream body) {
        this.body = body;
    }

    @Override
    public void fill(TensorSink sink) throws IOException {
        while (sink.position() < sink.byteSize()) {
            MemorySegment window = sink.remaining();
            window = window.byteSize() > WINDOW_BYTES ? window.asSlice(0, WINDOW_BYTES) : window;
            ByteBuffer view = window.asByteBuffer();
            int position = 0;
            while (position < view.capacity()) {
                view.limit(Math.min(view.capacity(), position + MAX_READ_BYTES)).position(position);
                int read = body.read(view);
                if (read < 0) {
                    sink.advance(position);
                    throw sink.ended();
                }
                if (read == 0) {
                    // Not expected of a blocking stream with room to fill; take one byte so the loop moves on.
                    int single = body.read();
                    if (single < 0) {
                        sink.advance(position);
                        throw sink.ended();
                    }
                    window.set(ValueLayout.JAVA_BYTE, position, (byte) single);
                    read = 1;
                }
                position += read;
            }
            sink.advance(position);
        }
    }
}
