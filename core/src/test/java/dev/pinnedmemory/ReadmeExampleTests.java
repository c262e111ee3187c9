package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's plain-Java example, line for line: it must keep compiling and running. */
class ReadmeExampleTests {

    @Test
    void readmeExampleShouldRunAsWritten() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            float[] samples = new float[1 << 18];                                        // 1 MiB of data to stage
            try (var pool = new PinnedMemoryPool<>(ElementType.FLOAT, 1 << 18, 2, 20);   // 2 buffers of 256 Ki floats, page-locked now
                 PinnedBuffer<float[]> frame = pool.rent()) {                             // never blocks; a hit when one is idle
                frame.copyFrom(samples);                                                  // heap -> pinned, bounds-checked
                System.out.println(frame.address() + " " + pool.stats());                 // hand address()/byteSize() to cudaMemcpy
            }                                                                             // the lease ends, the memory goes back
        } finally {
            System.setOut(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .containsPattern("^\\d+ PoolStats\\[elementType=FLOAT, bufferLength=262144, bufferBytes=1048576, initialSize=2, maxSize=20")
                .contains("hits=1, misses=0");
    }
}
