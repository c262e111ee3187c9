package dev.pinnedmemory.inference.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import com.google.protobuf.WireFormat;
import dev.pinnedmemory.inference.InferenceException;
import io.grpc.HasByteBuffer;

/**
 * Protobuf's wire format read field by field from one message's stream, with the position of every byte
 * known: tags, varints, fixed-width numbers, lengths checked against the end of the enclosing message,
 * short strings onto the heap (within a budget), and bytes copied straight into a segment. Where the
 * stream lends its own buffers ({@link HasByteBuffer}, as grpc-java's transport does) a copy reads them in
 * place; otherwise it goes through one small heap chunk.
 *
 * <p>Malformed input (a varint of more than 10 bytes, a length past the end, an unknown wire type, the
 * stream ending inside a field) is an {@link InferenceException} {@code INVALID_ARGUMENT} naming the byte
 * where it happened. The reader never reads past {@link #limit()}.
 *
 * <p>Ownership: reads {@code in}, which its caller owns and closes. Not thread-safe: one parse uses it.
 */
final class WireReader {

    /** The chunk a copy from a stream without buffers of its own goes through. */
    static final int CHUNK_BYTES = 64 * 1024;
    /** Nesting of groups an unknown field may have before the message counts as hostile. */
    private static final int MAX_GROUP_DEPTH = 64;

    private final InputStream in;
    private final String what;
    private final boolean lendsBuffers;
    private long position;
    private long limit;
    private long stringBudget;
    private byte[] chunk;

    /**
     * @param in the message's bytes, positioned at its start
     * @param length the message's length in bytes: nothing past it is read
     * @param stringBudget the most bytes all strings read may take together
     * @param what the message's name for error messages, e.g. {@code ModelInferRequest}
     */
    WireReader(InputStream in, long length, long stringBudget, String what) {
        this.in = in;
        this.limit = length;
        this.stringBudget = stringBudget;
        this.what = what;
        this.lendsBuffers = in instanceof HasByteBuffer lending && lending.byteBufferSupported();
    }

    /** {@return the bytes read (or skipped) so far from the message's start} */
    long position() {
        return position;
    }

    /** {@return where the message (or the nested message being read) ends} */
    long limit() {
        return limit;
    }

    /** {@return whether bytes remain before {@link #limit()}} */
    boolean hasMore() {
        return position < limit;
    }

    /**
     * Reads a field's tag, or {@return 0} at the limit.
     */
    int readTag() throws IOException {
        if (position >= limit) {
            return 0;
        }
        long start = position;
        long tag = readVarint();
        int field = (int) (tag >>> 3);
        if (tag > 0xFFFF_FFFFL || field == 0) {
            throw malformed(start, "tag " + Long.toUnsignedString(tag) + " (expected: a field number from 1 to 536870911)");
        }
        return (int) tag;
    }

    /** {@return a varint of up to 64 bits} */
    long readVarint() throws IOException {
        long start = position;
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw malformed(start, "a varint longer than 10 bytes");
    }

    /** {@return four little-endian bytes} */
    int readFixed32() throws IOException {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            value |= readByte() << (8 * i);
        }
        return value;
    }

    /** {@return eight little-endian bytes} */
    long readFixed64() throws IOException {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value |= (long) readByte() << (8 * i);
        }
        return value;
    }

    /** {@return the length of a length-delimited field, checked to end within the limit} */
    long readLength() throws IOException {
        long start = position;
        long length = readVarint();
        if (length < 0 || length > limit - position) {
            throw malformed(start, "a field of " + Long.toUnsignedString(length) + " bytes, but only " + (limit - position)
                    + " are left in its message");
        }
        return length;
    }

    /** {@return a length-delimited UTF-8 string, taken from the string budget} */
    String readString() throws IOException {
        long start = position;
        long length = readLength();
        if (length > stringBudget) {
            throw new InferenceException(InferenceException.Reason.INVALID_ARGUMENT, what + ": the names, datatypes and "
                    + "parameters take more than the limit of bytes for them (a string of " + length + " bytes at byte "
                    + start + "; pinned-memory.inference.max-header-size)");
        }
        stringBudget -= length;
        byte[] bytes = new byte[(int) length];
        readFully(bytes, (int) length);
        if (isAscii(bytes)) {
            // Names and datatypes are ASCII: no decoder needed to know they are valid UTF-8.
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw malformed(start, "a string that is not UTF-8");
        }
    }

    /** Skips {@code count} bytes. */
    void skip(long count) throws IOException {
        if (count > limit - position) {
            throw malformed(position, "a skip of " + count + " bytes past the end of its message");
        }
        long left = count;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw ended();
                }
                skipped = 1;
            }
            left -= skipped;
            position += skipped;
        }
    }

    /** Skips the value of a field whose tag was just read, whatever its wire type. */
    void skipField(int tag) throws IOException {
        skipField(tag, 0);
    }

    private void skipField(int tag, int depth) throws IOException {
        switch (WireFormat.getTagWireType(tag)) {
            case WireFormat.WIRETYPE_VARINT -> readVarint();
            case WireFormat.WIRETYPE_FIXED64 -> skip(8);
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> skip(readLength());
            case WireFormat.WIRETYPE_FIXED32 -> skip(4);
            case WireFormat.WIRETYPE_START_GROUP -> {
                if (depth >= MAX_GROUP_DEPTH) {
                    throw malformed(position, "groups nested deeper than " + MAX_GROUP_DEPTH);
                }
                int field = WireFormat.getTagFieldNumber(tag);
                while (true) {
                    int inner = readTag();
                    if (inner == 0) {
                        throw malformed(position, "group " + field + " does not end");
                    }
                    if (WireFormat.getTagWireType(inner) == WireFormat.WIRETYPE_END_GROUP) {
                        if (WireFormat.getTagFieldNumber(inner) != field) {
                            throw malformed(position, "group " + field + " ended as group " + WireFormat.getTagFieldNumber(inner));
                        }
                        return;
                    }
                    skipField(inner, depth + 1);
                }
            }
            default -> throw malformed(position, "field " + WireFormat.getTagFieldNumber(tag) + " of wire type "
                    + WireFormat.getTagWireType(tag) + " (expected: 0, 1, 2, 3 or 5)");
        }
    }

    /**
     * Copies the next {@code count} bytes into {@code target} from {@code offset}: in place from the
     * stream's own buffers where it lends them, else through a heap chunk.
     */
    void copyTo(MemorySegment target, long offset, long count) throws IOException {
        if (count > limit - position) {
            throw malformed(position, "a copy of " + count + " bytes past the end of its message");
        }
        long done = 0;
        // One buffer over the target for the whole copy: each lent buffer is then copied with no object made
        // on our side (grpc-java's Netty transport still makes a view of each frame it lends).
        ByteBuffer destination = lendsBuffers && count > 0 ? target.asSlice(offset, count).asByteBuffer() : null;
        while (done < count) {
            int step;
            ByteBuffer view = destination != null ? ((HasByteBuffer) in).getByteBuffer() : null;
            if (view != null && view.hasRemaining()) {
                step = (int) Math.min(view.remaining(), count - done);
                destination.put((int) done, view, view.position(), step);
                long skipped = in.skip(step);
                if (skipped != step) {
                    throw new IOException("the stream skipped " + skipped + " of " + step + " bytes it lent");
                }
            } else {
                if (chunk == null) {
                    chunk = new byte[(int) Math.min(CHUNK_BYTES, Math.max(count, 16))];
                }
                step = in.read(chunk, 0, (int) Math.min(chunk.length, count - done));
                if (step < 0) {
                    throw ended();
                }
                MemorySegment.copy(chunk, 0, target, ValueLayout.JAVA_BYTE, offset + done, step);
            }
            done += step;
            position += step;
        }
    }

    /**
     * Narrows the limit to the next {@code length} bytes (a nested message) and {@return the limit to
     * restore} with {@link #popLimit} once it is read.
     */
    long pushLimit(long length) {
        long outer = limit;
        limit = position + length;
        return outer;
    }

    /** Restores the limit {@link #pushLimit} returned, after the nested message was read to its end. */
    void popLimit(long outer) {
        limit = outer;
    }

    /** {@return an {@code INVALID_ARGUMENT} naming the message, the byte and what is wrong there} */
    InferenceException malformed(long at, String problem) {
        return new InferenceException(InferenceException.Reason.INVALID_ARGUMENT, what + " is malformed at byte " + at
                + ": " + problem);
    }

    private InferenceException ended() {
        return malformed(position, "the stream ended inside a field");
    }

    private int readByte() throws IOException {
        if (position >= limit) {
            throw malformed(position, "a field runs past the end of its message");
        }
        int b = in.read();
        if (b < 0) {
            throw ended();
        }
        position++;
        return b;
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private void readFully(byte[] bytes, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int read = in.read(bytes, done, length - done);
            if (read < 0) {
                throw ended();
            }
            done += read;
            position += read;
        }
    }
}
