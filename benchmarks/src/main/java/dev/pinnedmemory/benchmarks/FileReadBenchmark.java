package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A whole file, already in the page cache, read into memory at position 0: into a pooled pinned
 * lease with {@code PinnedBuffer.readFrom(FileChannel, 0)} against {@code FileChannel.read(buffer,
 * position)} into a direct {@code ByteBuffer} of the same size (the NIO way, and the limit: both
 * are a {@code pread} into native memory). The file is written and read once at set-up.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class FileReadBenchmark {

    @Param({"67108864"})
    public int bytes;

    private Path file;
    private FileChannel channel;
    private PinnedMemoryPool<byte[]> pool;
    private PinnedBuffer<byte[]> pinned;
    private ByteBuffer direct;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("pinned-memory-file-read", ".bin");
        byte[] contents = new byte[bytes];
        new SplittableRandom(42).nextBytes(contents);
        Files.write(file, contents);
        channel = FileChannel.open(file);
        pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(bytes).initialSize(1).maxSize(1)
                .clearOnReturn(false).backend(Backends.mlock()).build();
        pinned = pool.rent();
        direct = ByteBuffer.allocateDirect(bytes);
        if (pinnedReadFrom() != bytes || directBufferRead() != bytes) {   // and so into the page cache
            throw new IllegalStateException("short read of " + file);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pinned.close();
        pool.close();
        channel.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public long pinnedReadFrom() throws IOException {
        return pinned.readFrom(channel, 0);
    }

    @Benchmark
    public long directBufferRead() throws IOException {
        direct.clear();
        long position = 0;
        while (direct.hasRemaining()) {
            int n = channel.read(direct, position);
            if (n < 0) {
                break;
            }
            position += n;
        }
        return position;
    }
}
