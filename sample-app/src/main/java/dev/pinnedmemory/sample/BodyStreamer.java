package dev.pinnedmemory.sample;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32;

/**
 * Streams a request body straight into pinned memory through one small heap chunk, so a batch
 * never exists as a whole on the Java heap, and takes the CRC-32 of the bytes on the way.
 * Stateless; each call uses its own chunk.
 */
final class BodyStreamer {

    /** Heap bytes per read: small enough to stay in cache, large enough to keep system calls few. */
    static final int CHUNK_BYTES = 64 * 1024;

    private BodyStreamer() {
    }

    /** What was streamed: how many bytes and their CRC-32. */
    record Streamed(long bytes, long crc32) {
    }

    /** The body had more bytes than the target can hold; nothing past {@code capacity} was kept. */
    static final class TooLargeException extends IOException {
        TooLargeException(long capacity) {
            super("body larger than " + capacity + " bytes");
        }
    }

    /**
     * Reads {@code body} to its end into the start of {@code target}.
     *
     * @throws TooLargeException as soon as one byte more than {@code target} holds arrives
     * @throws IOException when reading the body fails (the client went away, a malformed chunk)
     */
    static Streamed stream(InputStream body, MemorySegment target) throws IOException {
        byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, Math.max(1, target.byteSize()))];
        CRC32 crc = new CRC32();
        long capacity = target.byteSize();
        long filled = 0;
        while (true) {
            int room = (int) Math.min(chunk.length, capacity - filled);
            if (room == 0) {
                if (body.read() != -1) {
                    throw new TooLargeException(capacity);
                }
                return new Streamed(filled, crc.getValue());
            }
            int read = body.read(chunk, 0, room);
            if (read < 0) {
                return new Streamed(filled, crc.getValue());
            }
            MemorySegment.copy(chunk, 0, target, ValueLayout.JAVA_BYTE, filled, read);
            crc.update(chunk, 0, read);
            filled += read;
        }
    }

    /** {@return the CRC-32 of the first {@code bytes} bytes of {@code segment}}, read back from pinned memory */
    static long crc32(MemorySegment segment, long bytes) {
        CRC32 crc = new CRC32();
        crc.update(segment.asSlice(0, bytes).asByteBuffer());
        return crc.getValue();
    }
}
