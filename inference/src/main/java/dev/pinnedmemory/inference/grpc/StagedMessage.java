package dev.pinnedmemory.inference.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceException;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;

/**
 * A whole message copied from a stream that can be read only once (a decompressing stream, the
 * in-process transport's) into leases of the tensor pool, and read back as a stream that can: its length
 * is known, it can be reset to its start, and it lends its bytes as buffers over pinned memory. The
 * request marshaller reads a message twice (its fields, then its tensors); the transport's own stream
 * allows that in place, other streams are staged here first.
 *
 * <p>Ownership: owns its leases until {@link #close()}, which ends them. Not thread-safe.
 */
final class StagedMessage extends InputStream implements KnownLength, HasByteBuffer {

    private final List<PinnedBuffer<byte[]>> leases;
    private final List<MemorySegment> parts;
    private final long length;
    private long position;
    private int part;
    private long partPosition;

    private StagedMessage(List<PinnedBuffer<byte[]>> leases, List<MemorySegment> parts, long length) {
        this.leases = leases;
        this.parts = parts;
        this.length = length;
    }

    /**
     * Copies {@code in} to its end into leases of {@code pool}, each at most the pool's largest buffer.
     *
     * @param limit the most bytes the message may have: beyond, {@code RESOURCE_EXHAUSTED}
     * @throws InferenceException {@code TENSOR_TOO_LARGE} for a message over the limit,
     *     {@code OUT_OF_MEMORY} when the pool has no memory within its {@code max-wait}; every lease rented
     *     is ended then
     */
    static StagedMessage stage(InputStream in, PinnedMemoryPool<byte[]> pool, MessageLimit limit, String what) throws IOException {
        List<PinnedBuffer<byte[]>> leases = new ArrayList<>();
        List<MemorySegment> parts = new ArrayList<>();
        try {
            long known = in instanceof KnownLength ? in.available() : -1;
            if (known > limit.bytes()) {
                throw limit.refuse(what, known, false);
            }
            byte[] chunk = new byte[(int) Math.min(WireReader.CHUNK_BYTES, known > 0 ? known : WireReader.CHUNK_BYTES)];
            long total = 0;
            MemorySegment current = null;
            long filled = 0;
            while (true) {
                int read = in.read(chunk, 0, chunk.length);
                if (read < 0) {
                    break;
                }
                int copied = 0;
                while (copied < read) {
                    if (current == null || filled == current.byteSize()) {
                        if (current != null) {
                            parts.add(current);
                        }
                        long wanted = known > 0 ? Math.max(1, known - total) : pool.bufferSize();
                        PinnedBuffer<byte[]> lease = rent(pool, (int) Math.min(pool.bufferSize(), wanted), what);
                        leases.add(lease);
                        current = lease.segment();
                        filled = 0;
                    }
                    int step = (int) Math.min(read - copied, current.byteSize() - filled);
                    MemorySegment.copy(chunk, copied, current, ValueLayout.JAVA_BYTE, filled, step);
                    copied += step;
                    filled += step;
                    total += step;
                    if (total > limit.bytes()) {
                        throw limit.refuse(what, total, true);
                    }
                }
            }
            if (current != null && filled > 0) {
                parts.add(current.asSlice(0, filled));
            }
            return new StagedMessage(leases, parts, total);
        } catch (IOException | RuntimeException e) {
            leases.forEach(PinnedBuffer::close);
            throw e;
        }
    }

    /** {@return the message's length in bytes} */
    long length() {
        return length;
    }

    @Override
    public int read() {
        if (!advanceToData()) {
            return -1;
        }
        int b = parts.get(part).get(ValueLayout.JAVA_BYTE, partPosition) & 0xFF;
        partPosition++;
        position++;
        return b;
    }

    @Override
    public int read(byte[] target, int offset, int count) {
        if (count == 0) {
            return 0;
        }
        if (!advanceToData()) {
            return -1;
        }
        MemorySegment current = parts.get(part);
        int step = (int) Math.min(count, current.byteSize() - partPosition);
        MemorySegment.copy(current, ValueLayout.JAVA_BYTE, partPosition, target, offset, step);
        partPosition += step;
        position += step;
        return step;
    }

    @Override
    public long skip(long count) {
        long skipped = 0;
        while (skipped < count && advanceToData()) {
            long step = Math.min(count - skipped, parts.get(part).byteSize() - partPosition);
            partPosition += step;
            position += step;
            skipped += step;
        }
        return skipped;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, length - position);
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    /** Marks the start: {@link #reset()} always returns there (the readers mark only at the start). */
    @Override
    public void mark(int readLimit) {
        if (position != 0) {
            throw new IllegalStateException("a staged message is marked at its start only, not at byte " + position);
        }
    }

    @Override
    public void reset() {
        position = 0;
        part = 0;
        partPosition = 0;
    }

    @Override
    public boolean byteBufferSupported() {
        return true;
    }

    @Override
    public ByteBuffer getByteBuffer() {
        if (!advanceToData()) {
            return ByteBuffer.allocate(0);
        }
        return parts.get(part).asSlice(partPosition).asByteBuffer();
    }

    /** Ends the leases; the stream is empty afterwards. */
    @Override
    public void close() {
        parts.clear();
        leases.forEach(PinnedBuffer::close);
        leases.clear();
        position = length;
    }

    private boolean advanceToData() {
        while (part < parts.size() && partPosition == parts.get(part).byteSize()) {
            part++;
            partPosition = 0;
        }
        return part < parts.size();
    }

    private static PinnedBuffer<byte[]> rent(PinnedMemoryPool<byte[]> pool, int length, String what) {
        Duration wait = pool.maxWait();
        try {
            return pool.rent(length, wait);
        } catch (MemoryBudgetExceededException e) {
            throw new InferenceException(InferenceException.Reason.OUT_OF_MEMORY, "no pinned memory to stage a " + what
                    + " that arrived compressed or in process (" + length + " bytes more) within pool '" + pool.name()
                    + "' max-wait of " + wait.toMillis() + " ms (budget: " + e.usedBytes() + " of " + e.limitBytes()
                    + " bytes used, pinned-memory.max-total-size); try again shortly", e);
        } catch (IllegalStateException e) {
            throw new InferenceException(InferenceException.Reason.MODEL_NOT_READY, "pool '" + pool.name()
                    + "' is closed: the server is shutting down", e);
        } catch (PinnedMemoryException e) {
            throw new InferenceException(InferenceException.Reason.OUT_OF_MEMORY, "no pinned memory to stage a " + what
                    + ": " + e.getMessage(), e);
        }
    }
}
