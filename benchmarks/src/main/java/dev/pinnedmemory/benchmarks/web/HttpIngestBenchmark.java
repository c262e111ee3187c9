package dev.pinnedmemory.benchmarks.web;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

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

/**
 * HTTP ingest: one POST of {@code bodyBytes} over a kept-alive connection to a Tomcat in this JVM, per
 * operation, to each way of taking the body ({@link IngestServer}):
 * <ul>
 * <li>{@code pinned-body}: {@code @PinnedBody PinnedBuffer<byte[]>} from a pool without clear-on-return
 *     (a body overwrites all it gets);</li>
 * <li>{@code pinned-body-clearing}: the same from a pool that zeroes returned buffers (the default);</li>
 * <li>{@code byte-array}: {@code @RequestBody byte[]} (the whole body on the heap);</li>
 * <li>{@code input-stream-chunk}: the servlet {@code InputStream} through a 64 KiB heap chunk into a lease.</li>
 * </ul>
 * Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes allocated per request by the whole JVM;
 * the client allocates next to nothing ({@link IngestClient}), and its own count per request is printed
 * at each iteration's end ("client allocated"), to subtract. Never run by the build, except once with a
 * tiny body by its smoke test.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class HttpIngestBenchmark {

    @Param({"1048576", "16777216"})
    int bodyBytes;

    @Param({"pinned-body", "pinned-body-clearing", "byte-array", "input-stream-chunk"})
    String controller;

    private IngestServer server;
    private IngestClient client;
    private long clientBytesBefore;
    private long requests;

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = new IngestServer(Math.max(bodyBytes, 1 << 20));
        byte[] body = new byte[bodyBytes];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        client = new IngestClient(server.port(), "/" + controller, body);
        client.post();   // fails the trial at once if the endpoint does not answer 200
    }

    @Setup(Level.Iteration)
    public void countClient() {
        clientBytesBefore = clientThreadAllocatedBytes();
        requests = 0;
    }

    @Benchmark
    public int ingest() throws IOException {
        requests++;
        return client.post();
    }

    @TearDown(Level.Iteration)
    public void reportClient() {
        if (requests > 0) {
            System.out.println("client allocated " + (clientThreadAllocatedBytes() - clientBytesBefore) / requests
                    + " bytes/request");
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        client.close();
        server.close();
    }

    /** {@return the bytes the benchmark thread (the client) allocated so far} */
    private static long clientThreadAllocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
