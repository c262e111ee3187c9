package dev.pinnedmemory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelTransferTests {

    private final PinnedMemoryPool<int[]> ints = PinnedMemoryPool.builder(ElementType.INT)
            .bufferSize(1 << 16).minBufferSize(1 << 10).maxSize(2).backend(Backends.MLOCK).name("ints").build();

    @TempDir
    Path directory;

    @AfterEach
    void closePool() {
        assertThat(ints.stats().inUse()).as("every lease closed").isZero();
        ints.close();
    }

    /** {@code count} ints {@code first, first+1, ...} as native-order bytes. */
    private static byte[] intBytes(int first, int count) {
        ByteBuffer bytes = ByteBuffer.allocate(count * Integer.BYTES).order(ByteOrder.nativeOrder());
        for (int i = 0; i < count; i++) {
            bytes.putInt(first + i);
        }
        return bytes.array();
    }

    private static int[] sequence(int first, int count) {
        int[] values = new int[count];
        Arrays.setAll(values, i -> first + i);
        return values;
    }

    private Path file(byte[] contents) throws IOException {
        return Files.write(directory.resolve("data.bin"), contents);
    }

    @Test
    void readFromFileChannelAtPositionShouldFillTheLeaseAndLeaveTheChannelPositionAlone() throws IOException {
        Path file = file(intBytes(0, 4096));
        try (FileChannel channel = FileChannel.open(file); PinnedBuffer<int[]> lease = ints.rent(1000)) {
            assertThat(lease.readFrom(channel, 8L * Integer.BYTES)).isEqualTo(4000);
            assertThat(lease.toArray()).isEqualTo(sequence(8, 1000));
            assertThat(channel.position()).isZero();
        }
    }

    @Test
    void readFromFileChannelShouldStopAtTheEndOfTheFileAndLeaveTheRestUnchanged() throws IOException {
        Path file = file(intBytes(100, 10));
        try (FileChannel channel = FileChannel.open(file); PinnedBuffer<int[]> lease = ints.rent(16)) {
            lease.fill(-1);
            assertThat(lease.readFrom(channel, 4)).isEqualTo(36);
            int[] expected = new int[16];
            Arrays.fill(expected, -1);
            System.arraycopy(sequence(101, 9), 0, expected, 0, 9);
            assertThat(lease.toArray()).isEqualTo(expected);
        }
    }

    @Test
    void readFromFileChannelAtOrPastItsEndShouldReadNothing() throws IOException {
        Path file = file(intBytes(0, 4));
        try (FileChannel channel = FileChannel.open(file); PinnedBuffer<int[]> lease = ints.rent(4)) {
            lease.fill(7);
            assertThat(lease.readFrom(channel, 16)).isZero();
            assertThat(lease.readFrom(channel, 1 << 20)).isZero();
            assertThat(lease.readFrom(channel, Long.MAX_VALUE - 16)).isZero();
            assertThat(lease.toArray()).containsOnly(7);
        }
    }

    @Test
    void readFromFileChannelShouldRefuseANegativeOrOverflowingPositionNamingTheLimit() throws IOException {
        try (FileChannel channel = FileChannel.open(file(intBytes(0, 4))); PinnedBuffer<int[]> lease = ints.rent(4)) {
            assertThatIllegalArgumentException().isThrownBy(() -> lease.readFrom(channel, -1))
                    .withMessage("readFrom: position -1 (expected: 0 to 9223372036854775791 for a buffer of 16 bytes)");
            assertThatIllegalArgumentException().isThrownBy(() -> lease.readFrom(channel, Long.MAX_VALUE - 15))
                    .withMessageContaining("position 9223372036854775792 (expected: 0 to 9223372036854775791");
        }
    }

    @Test
    void readFromChannelShouldReadFromTheChannelPositionAndAdvanceIt() throws IOException {
        Path file = file(intBytes(0, 64));
        try (FileChannel channel = FileChannel.open(file); PinnedBuffer<int[]> lease = ints.rent(16)) {
            channel.position(4L * Integer.BYTES);
            assertThat(lease.readFrom((ReadableByteChannel) channel)).isEqualTo(64);
            assertThat(lease.toArray()).isEqualTo(sequence(4, 16));
            assertThat(channel.position()).isEqualTo(20L * Integer.BYTES);
        }
    }

    @Test
    void readFromShouldStopWhenTheLeaseIsFullAndLeaveTheRestInTheChannel() throws IOException {
        ReadableByteChannel channel = Channels.newChannel(new ByteArrayInputStream(intBytes(0, 25)));
        try (PinnedBuffer<int[]> lease = ints.rent(10)) {
            assertThat(lease.readFrom(channel)).isEqualTo(40);
            assertThat(lease.toArray()).isEqualTo(sequence(0, 10));
            assertThat(lease.readFrom(channel)).isEqualTo(40);
            assertThat(lease.toArray()).isEqualTo(sequence(10, 10));
            lease.fill(0);
            assertThat(lease.readFrom(channel)).isEqualTo(20);
            assertThat(lease.toArray()).startsWith(sequence(20, 5)).endsWith(0, 0, 0, 0, 0);
            assertThat(lease.readFrom(channel)).as("at the end").isZero();
        }
    }

    @Test
    void readFromShouldGatherShortReadsAndCountReturnValuesNotPositions() throws IOException {
        byte[] data = intBytes(1, 1000);
        try (PinnedBuffer<int[]> lease = ints.rent(1000)) {
            assertThat(lease.readFrom(new TrickleChannel(data, 3, false))).isEqualTo(4000);
            assertThat(lease.toArray()).isEqualTo(sequence(1, 1000));
            lease.fill(0);
            assertThat(lease.readFrom(new TrickleChannel(data, 7, true))).isEqualTo(4000);
            assertThat(lease.toArray()).isEqualTo(sequence(1, 1000));
        }
    }

    @Test
    void readFromAndWriteToShouldWorkThroughViewsSmallerThanTheSegment() throws IOException {
        byte[] data = intBytes(5, 100);
        try (PinnedBuffer<int[]> lease = ints.rent(100)) {
            MemorySegment segment = lease.segment();
            assertThat(ChannelTransfers.read(new TrickleChannel(data, 5, false), -1, segment, ElementType.INT, 64))
                    .isEqualTo(400);
            assertThat(lease.toArray()).isEqualTo(sequence(5, 100));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(ChannelTransfers.write(Channels.newChannel(out), segment, 64)).isEqualTo(400);
            assertThat(out.toByteArray()).isEqualTo(data);
        }
    }

    @Test
    void readFromShouldCallAPartialElementAnEofNamingTheCountAndKeepWhatArrived() throws IOException {
        byte[] data = Arrays.copyOf(intBytes(9, 3), 10);
        try (PinnedBuffer<int[]> lease = ints.rent(4)) {
            lease.fill(-1);
            assertThatThrownBy(() -> lease.readFrom(Channels.newChannel(new ByteArrayInputStream(data))))
                    .isInstanceOf(EOFException.class)
                    .hasMessageContaining("ended after 10 bytes, 2 bytes into a INT element of 4 bytes")
                    .hasMessageContaining("2 whole elements read");
            assertThat(lease.isPinned()).as("the lease stays the caller's").isTrue();
            byte[] contents = new byte[16];
            MemorySegment.copy(lease.segment(), ValueLayout.JAVA_BYTE, 0, contents, 0, 16);
            assertThat(Arrays.copyOf(contents, 10)).isEqualTo(data);
            assertThat(Arrays.copyOfRange(contents, 12, 16)).containsOnly((byte) -1);
        }
    }

    @Test
    void readFromFileShouldCallAPartialElementAnEofToo() throws IOException {
        Path file = file(Arrays.copyOf(intBytes(0, 2), 9));
        try (FileChannel channel = FileChannel.open(file); PinnedBuffer<int[]> lease = ints.rent(4)) {
            assertThatThrownBy(() -> lease.readFrom(channel, 0)).isInstanceOf(EOFException.class)
                    .hasMessageContaining("ended after 9 bytes, 1 bytes into a INT element");
        }
    }

    @Test
    void readFromBlockingPipeShouldWaitForEveryChunkUntilTheWriterCloses() throws Exception {
        Pipe pipe = Pipe.open();
        byte[] data = intBytes(0, 3000);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Pipe.SinkChannel sink = pipe.sink()) {
                for (int offset = 0; offset < data.length; offset += 1001) {
                    sink.write(ByteBuffer.wrap(data, offset, Math.min(1001, data.length - offset)));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try (Pipe.SourceChannel source = pipe.source(); PinnedBuffer<int[]> lease = ints.rent(4000)) {
            assertThat(lease.readFrom(source)).isEqualTo(12_000);
            assertThat(Arrays.copyOf(lease.toArray(), 3000)).isEqualTo(sequence(0, 3000));
        }
        writer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void readFromNonBlockingPipeShouldBeRefusedBeforeReadingAnything() throws IOException {
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink();
             PinnedBuffer<int[]> lease = ints.rent(4)) {
            sink.write(ByteBuffer.wrap(intBytes(1, 4)));
            source.configureBlocking(false);
            lease.fill(0);
            assertThatIllegalArgumentException().isThrownBy(() -> lease.readFrom(source))
                    .withMessageContaining("is in non-blocking mode")
                    .withMessageContaining("segment().asByteBuffer()");
            assertThat(lease.toArray()).containsOnly(0);
            ByteBuffer left = ByteBuffer.allocate(16);
            assertThat(source.read(left)).as("nothing was taken from the pipe").isEqualTo(16);
        }
    }

    @Test
    void writeToNonBlockingPipeShouldBeRefusedBeforeWritingAnything() throws IOException {
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink();
             PinnedBuffer<int[]> lease = ints.rent(4)) {
            sink.configureBlocking(false);
            source.configureBlocking(false);
            assertThatIllegalArgumentException().isThrownBy(() -> lease.writeTo(sink))
                    .withMessageContaining("writeTo: channel").withMessageContaining("non-blocking mode");
            assertThat(source.read(ByteBuffer.allocate(16))).isZero();
        }
    }

    @Test
    void readFromAChannelThatReturnsZeroShouldFailNamingWhatWasRead() throws IOException {
        ReadableByteChannel stalls = new TrickleChannel(intBytes(0, 2), 8, false).stallingAfter(8);
        try (PinnedBuffer<int[]> lease = ints.rent(4)) {
            assertThatThrownBy(() -> lease.readFrom(stalls)).isInstanceOf(IOException.class)
                    .hasMessageContaining("returned 0 bytes after 8 of 16 bytes");
            assertThat(Arrays.copyOf(lease.toArray(), 2)).isEqualTo(sequence(0, 2));
        }
    }

    @Test
    void writeToShouldWriteExactlyTheLengthOfARentLengthLease() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PinnedBuffer<int[]> lease = ints.rent(10)) {
            lease.copyFrom(sequence(40, 10));
            assertThat(lease.writeTo(Channels.newChannel(out))).isEqualTo(40);
        }
        assertThat(out.toByteArray()).isEqualTo(intBytes(40, 10));
    }

    @Test
    void writeToShouldGatherShortWritesAndRoundTripThroughAFile() throws IOException {
        Path file = directory.resolve("out.bin");
        ShortWrites shortWrites = new ShortWrites(5);
        try (PinnedBuffer<int[]> lease = ints.rent(300);
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            lease.copyFrom(sequence(-150, 300));
            assertThat(lease.writeTo(channel)).isEqualTo(1200);
            assertThat(lease.writeTo(shortWrites)).isEqualTo(1200);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(intBytes(-150, 300));
        assertThat(shortWrites.out.toByteArray()).isEqualTo(intBytes(-150, 300));
    }

    @Test
    void closedLeaseShouldRefuseEveryTransferWithoutTouchingTheChannel() throws IOException {
        PinnedBuffer<int[]> lease = ints.rent(4);
        lease.close();
        TrickleChannel channel = new TrickleChannel(intBytes(0, 4), 16, false);
        ShortWrites sink = new ShortWrites(16);
        try (FileChannel file = FileChannel.open(file(intBytes(0, 4)))) {
            assertThatIllegalStateException().isThrownBy(() -> lease.readFrom(channel))
                    .withMessageContaining("from pool 'ints' was closed");
            assertThatIllegalStateException().isThrownBy(() -> lease.readFrom(file, 0))
                    .withMessageContaining("was closed");
            assertThatIllegalStateException().isThrownBy(() -> lease.writeTo(sink))
                    .withMessageContaining("was closed");
        }
        assertThat(channel.calls.get()).isZero();
        assertThat(sink.out.size()).isZero();
    }

    @Test
    void strictSegmentLeaseShouldReadAndWriteThroughItsOwnScope() throws IOException {
        try (PinnedMemoryPool<float[]> strict = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(256)
                .strictSegments(true).backend(Backends.MLOCK).build();
             PinnedBuffer<float[]> lease = strict.rent(4)) {
            ByteBuffer floats = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            floats.putFloat(1.5f).putFloat(-2f).putFloat(0.25f).putFloat(1e9f);
            assertThat(lease.readFrom(Channels.newChannel(new ByteArrayInputStream(floats.array())))).isEqualTo(16);
            assertThat(lease.toArray()).containsExactly(1.5f, -2f, 0.25f, 1e9f);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            lease.writeTo(Channels.newChannel(out));
            assertThat(out.toByteArray()).isEqualTo(floats.array());
        }
    }

    @Test
    void readFromFileShouldNotStageThroughTheHeap() throws IOException {
        Path file = file(intBytes(0, 1 << 16));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (FileChannel channel = FileChannel.open(file); PinnedBuffer<int[]> lease = ints.rent()) {
            lease.readFrom(channel, 0);   // first call: class loading and JIT allocate
            long before = threads.getCurrentThreadAllocatedBytes();
            long read = lease.readFrom(channel, 0);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(read).isEqualTo(1 << 18);
            assertThat(allocated).as("heap bytes allocated reading 256 KiB").isLessThan(4096);
        }
    }

    @Test
    void standaloneBufferShouldReadFromAFileToo() throws IOException {
        try (Arena arena = Arena.ofConfined(); PinnedBuffer<long[]> buffer = PinnedBuffer.allocate(ElementType.LONG, 3)) {
            MemorySegment source = arena.allocate(24);
            source.setAtIndex(ValueLayout.JAVA_LONG, 0, Long.MIN_VALUE);
            source.setAtIndex(ValueLayout.JAVA_LONG, 2, 42);
            Path file = Files.write(directory.resolve("longs.bin"), source.toArray(ValueLayout.JAVA_BYTE));
            try (FileChannel channel = FileChannel.open(file)) {
                assertThat(buffer.readFrom(channel, 0)).isEqualTo(24);
            }
            assertThat(buffer.toArray()).containsExactly(Long.MIN_VALUE, 0, 42);
        }
    }

    /**
     * A channel that hands out at most {@code chunk} bytes per read and, if asked, writes them with
     * absolute puts that leave the buffer's position where it was (as some servlet streams do).
     */
    private static final class TrickleChannel implements ReadableByteChannel {
        private final byte[] data;
        private final int chunk;
        private final boolean keepPosition;
        private int offset;
        private int stallAt = Integer.MAX_VALUE;
        final AtomicInteger calls = new AtomicInteger();

        TrickleChannel(byte[] data, int chunk, boolean keepPosition) {
            this.data = data;
            this.chunk = chunk;
            this.keepPosition = keepPosition;
        }

        TrickleChannel stallingAfter(int bytes) {
            stallAt = bytes;
            return this;
        }

        @Override
        public int read(ByteBuffer destination) {
            calls.incrementAndGet();
            if (offset >= stallAt) {
                return 0;
            }
            if (offset == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(chunk, destination.remaining()), data.length - offset);
            if (keepPosition) {
                destination.put(destination.position(), data, offset, n);
            } else {
                destination.put(data, offset, n);
            }
            offset += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** A channel that takes at most {@code chunk} bytes per write. */
    private static final class ShortWrites implements WritableByteChannel {
        private final int chunk;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        ShortWrites(int chunk) {
            this.chunk = chunk;
        }

        @Override
        public int write(ByteBuffer source) {
            int n = Math.min(chunk, source.remaining());
            byte[] bytes = new byte[n];
            source.get(bytes);
            out.writeBytes(bytes);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
