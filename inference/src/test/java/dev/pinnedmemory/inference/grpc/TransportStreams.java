package dev.pinnedmemory.inference.grpc;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.internal.CompositeReadableBuffer;
import io.grpc.internal.ReadableBuffers;

/** Streams as the request marshaller meets them: grpc-java's own over direct buffers, and streams that can be read only once. */
final class TransportStreams {

    private TransportStreams() {
    }

    /**
     * {@return the stream grpc-java's deframer hands a marshaller: its own {@code BufferInputStream} over a
     * composite of direct buffers of {@code chunk} bytes each (as Netty's frames arrive), counting what is read
     * through heap arrays}
     */
    static Counting transport(byte[] message, int chunk) {
        CompositeReadableBuffer composite = new CompositeReadableBuffer();
        for (int offset = 0; offset < message.length; offset += chunk) {
            int length = Math.min(chunk, message.length - offset);
            ByteBuffer direct = ByteBuffer.allocateDirect(length);
            direct.put(message, offset, length).flip();
            composite.addBuffer(ReadableBuffers.wrap(direct));
        }
        return new Counting(ReadableBuffers.openStream(composite, true));
    }

    /** {@return a stream that can be read once, knows its length and lends no buffers (the in-process transport's)} */
    static InputStream once(byte[] message) {
        return new Once(message);
    }

    /** A transport stream that counts the bytes read into heap arrays; everything else passes through. */
    static final class Counting extends FilterInputStream implements KnownLength, HasByteBuffer {

        long heapBytes;
        long bytesLent;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            int read = super.read(target, offset, length);
            heapBytes += Math.max(0, read);
            return read;
        }

        @Override
        public boolean byteBufferSupported() {
            return ((HasByteBuffer) in).byteBufferSupported();
        }

        @Override
        public ByteBuffer getByteBuffer() {
            ByteBuffer buffer = ((HasByteBuffer) in).getByteBuffer();
            bytesLent += buffer == null ? 0 : buffer.remaining();
            return buffer;
        }
    }

    private static final class Once extends ByteArrayInputStream implements KnownLength {

        Once(byte[] bytes) {
            super(bytes);
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public synchronized void mark(int limit) {
            throw new UnsupportedOperationException("mark");
        }

        @Override
        public synchronized void reset() {
            throw new UnsupportedOperationException("reset");
        }
    }
}
