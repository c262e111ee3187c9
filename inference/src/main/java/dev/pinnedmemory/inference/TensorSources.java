package dev.pinnedmemory.inference;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Objects;

/**
 * Common {@link TensorSource}s: bytes already in memory, a channel, a stream. Each fills exactly the
 * tensor's bytes and leaves whatever follows unread. Stateless; thread-safe (each source is used once).
 */
public final class TensorSources {

    /** Bytes offered to one read of a channel, and the heap chunk of a stream's copy. */
    static final int CHUNK_BYTES = 64 * 1024;

    private TensorSources() {
    }

    /**
     * {@return a source copying the tensor's bytes from {@code bytes}}, which must hold exactly them (fewer:
     * the request answers 400 naming the sizes; more: the rest is not copied and the request answers 400)
     */
    public static TensorSource of(MemorySegment bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return sink -> {
            long length = Math.min(bytes.byteSize(), sink.byteSize());
            MemorySegment.copy(bytes, 0, sink.remaining(), 0, length);
            sink.advance(length);
            if (bytes.byteSize() > sink.byteSize()) {
                throw InferenceException.invalid("input '" + sink.name() + "': " + bytes.byteSize() + " bytes for a tensor of "
                        + sink.byteSize());
            }
        };
    }

    /**
     * {@return a source reading the tensor's bytes from {@code channel}}, straight into the lease through
     * {@code ByteBuffer} views of it (no heap copy). An end of the channel before the tensor's end is an
     * {@link java.io.EOFException}.
     */
    public static TensorSource of(ReadableByteChannel channel) {
        Objects.requireNonNull(channel, "channel");
        return sink -> {
            while (sink.position() < sink.byteSize()) {
                ByteBuffer view = sink.remaining().asSlice(0, Math.min(CHUNK_BYTES, sink.byteSize() - sink.position()))
                        .asByteBuffer();
                int read = channel.read(view);
                if (read < 0) {
                    throw sink.ended();
                }
                sink.advance(read);
            }
        };
    }

    /**
     * {@return a source reading the tensor's bytes from {@code in}}, through a heap chunk of at most
     * 64 KiB per fill ({@code InputStream} reads only into arrays; prefer a channel or a transport's own
     * buffers where there are). An end of the stream before the tensor's end is an {@link java.io.EOFException}.
     */
    public static TensorSource of(InputStream in) {
        Objects.requireNonNull(in, "in");
        return sink -> {
            byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, Math.max(1, sink.byteSize()))];
            while (sink.position() < sink.byteSize()) {
                int read = in.read(chunk, 0, (int) Math.min(chunk.length, sink.byteSize() - sink.position()));
                if (read < 0) {
                    throw sink.ended();
                }
                MemorySegment.copy(chunk, 0, sink.remaining(), ValueLayout.JAVA_BYTE, 0, read);
                sink.advance(read);
            }
        };
    }
}
