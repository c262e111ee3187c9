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
 * through {@code ByteBuffer} views of the lease: Tomcat copies from its socket buffer into pinned memory,
 * with no heap array between. Reads exactly the tensor's bytes and leaves the rest of the body.
 *
 * <p>Tomcat may leave the view's position where it was, so each call sets position and limit and counts
 * what {@code read} returns. Each call offers at most {@value #MAX_READ_BYTES} bytes: a container that
 * keeps the API's default {@code read(ByteBuffer)} copies through a heap array of that size. Used by one
 * request's thread; reusable for its inputs in turn.
 */
final class ServletTensorSource implements TensorSource {

    /** Bytes offered to one {@code read(ByteBuffer)}. */
    static final int MAX_READ_BYTES = 64 * 1024;

    private final ServletInputStream body;

    ServletTensorSource(ServletInputStream body) {
        this.body = body;
    }

    @Override
    public void fill(TensorSink sink) throws IOException {
        while (sink.position() < sink.byteSize()) {
            MemorySegment window = sink.remaining();
            ByteBuffer view = window.asSlice(0, Math.min(window.byteSize(), MAX_READ_BYTES)).asByteBuffer();
            view.position(0).limit(view.capacity());
            int read = body.read(view);
            if (read < 0) {
                throw sink.ended();
            }
            if (read == 0) {
                // Not expected of a blocking stream with room to fill; take one byte so the loop moves on.
                int single = body.read();
                if (single < 0) {
                    throw sink.ended();
                }
                window.set(ValueLayout.JAVA_BYTE, 0, (byte) single);
                read = 1;
            }
            sink.advance(read);
        }
    }
}
