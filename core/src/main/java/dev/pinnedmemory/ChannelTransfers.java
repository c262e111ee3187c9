package dev.pinnedmemory;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * Moves bytes between a channel and a lease's segment through {@link MemorySegment#asByteBuffer()}
 * views of that segment, so the channel reads into and writes from the pinned memory itself (for a
 * {@code FileChannel} a {@code pread}/{@code pwrite} straight into it), never through a heap array.
 * Views are at most {@value #MAX_VIEW} bytes each, because a {@code ByteBuffer} is {@code int}-indexed
 * and a lease of long or double elements can be larger. Stateless; the caller holds the lease.
 */
final class ChannelTransfers {

    /** The largest view handed to a channel: 1 GiB, well inside a {@code ByteBuffer}'s int index. */
    static final int MAX_VIEW = 1 << 30;

    private ChannelTransfers() {
    }

    /**
     * Reads into {@code segment} until it is full or the channel ends; {@code position} is the file
     * position to read from, or -1 to read from the channel's own position.
     */
    static long read(ReadableByteChannel channel, long position, MemorySegment segment, ElementType<?> type)
            throws IOException {
        return read(channel, position, segment, type, MAX_VIEW);
    }

    /** {@link #read(ReadableByteChannel, long, MemorySegment, ElementType)} through views of at most {@code maxView} bytes. */
    static long read(ReadableByteChannel channel, long position, MemorySegment segment, ElementType<?> type,
                     int maxView) throws IOException {
        Objects.requireNonNull(channel, "channel");
        requireBlocking(channel, "readFrom");
        long size = segment.byteSize();
        long done = pump(channel, segment, maxView, (view, moved) -> {
            int n = (position < 0) ? channel.read(view) : ((FileChannel) channel).read(view, position + moved);
            if (n == 0) {
                throw new IOException("readFrom: " + describe(channel) + " returned 0 bytes after " + moved + " of "
                        + size + " bytes; readFrom needs a channel that blocks until data or its end arrives "
                        + "(the " + moved + " bytes read are in the buffer)");
            }
            return n;
        });
        long partial = done % type.byteSize();
        if (partial != 0) {
            throw new EOFException("readFrom: " + describe(channel) + " ended after " + done + " bytes, "
                    + partial + " bytes into a " + type + " element of " + type.byteSize() + " bytes (" + (done - partial)
                    / type.byteSize() + " whole elements read; all " + done + " bytes are in the buffer)");
        }
        return done;
    }

    /** Writes all of {@code segment} to {@code channel}. */
    static long write(WritableByteChannel channel, MemorySegment segment) throws IOException {
        return write(channel, segment, MAX_VIEW);
    }

    /** {@link #write(WritableByteChannel, MemorySegment)} through views of at most {@code maxView} bytes. */
    static long write(WritableByteChannel channel, MemorySegment segment, int maxView) throws IOException {
        Objects.requireNonNull(channel, "channel");
        requireBlocking(channel, "writeTo");
        long size = segment.byteSize();
        return pump(channel, segment, maxView, (view, moved) -> {
            int n = channel.write(view);
            if (n <= 0) {
                throw new IOException("writeTo: " + describe(channel) + " took " + n + " bytes after " + moved + " of "
                        + size + " bytes; writeTo needs a channel that blocks until it can take more");
            }
            return n;
        });
    }

    /** One channel call on a view whose position is where the transfer stands; {@return the bytes moved, or -1 at the channel's end} */
    @FunctionalInterface
    private interface Move {
        int on(ByteBuffer view, long moved) throws IOException;
    }

    /**
     * Moves bytes between {@code channel} and {@code segment} through views of at most
     * {@code maxView} bytes until the segment is done or {@code move} reports the channel's end.
     * {@return the bytes moved}
     */
    private static long pump(Channel channel, MemorySegment segment, int maxView, Move move) throws IOException {
        long size = segment.byteSize();
        long done = 0;
        long viewStart = 0;
        ByteBuffer view = view(segment, 0, maxView);
        while (done < size) {
            if (done - viewStart == view.capacity()) {
                viewStart = done;
                view = view(segment, done, maxView);
            }
            // Count what the channel says it moved, not where it left the view: not every channel advances it.
            view.position((int) (done - viewStart));
            int room = view.remaining();
            int n = move.on(view, done);
            if (n < 0) {
                break;
            }
            done += checked(channel, n, room);
        }
        return done;
    }

    private static int checked(Channel channel, int count, int room) throws IOException {
        if (count > room) {
            throw new IOException(describe(channel) + " reported " + count + " bytes moved through a buffer of " + room);
        }
        return count;
    }

    /** A file position from 0 up to where the last byte read still has a position (the kernel refuses beyond). */
    static void requirePosition(long position, long bytes) {
        if (position < 0 || position > Long.MAX_VALUE - bytes) {
            throw new IllegalArgumentException("readFrom: position " + position + " (expected: 0 to "
                    + (Long.MAX_VALUE - bytes) + " for a buffer of " + bytes + " bytes)");
        }
    }

    private static void requireBlocking(Channel channel, String operation) {
        if (channel instanceof SelectableChannel selectable && !selectable.isBlocking()) {
            throw new IllegalArgumentException(operation + ": " + describe(channel) + " is in non-blocking mode; "
                    + operation + " fills or drains the whole buffer and needs a blocking channel. For a selector loop, "
                    + "use segment().asByteBuffer() as the channel's buffer and keep it across calls");
        }
    }

    private static ByteBuffer view(MemorySegment segment, long offset, int maxView) {
        long length = Math.min(segment.byteSize() - offset, maxView);
        return segment.asSlice(offset, length).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    private static String describe(Channel channel) {
        return "channel " + channel.getClass().getName();
    }
}
