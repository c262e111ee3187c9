package dev.pinnedmemory.benchmarks.grpc;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferResponse;
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
 * {@code ModelInfer} of one FP32 input of {@code tensorBytes} as {@code raw_input_contents}, answered by the
 * model "echo" with the same tensor as {@code raw_output_contents}, one call at a time over loopback to
 * grpc-java's Netty server in this JVM ({@link BenchGrpcServer}):
 * <ul>
 * <li>{@code pinned}: {@code GrpcInferenceService}, which reads the request's wire format into a lease and
 *     writes the response from it;</li>
 * <li>{@code generated}: the same service on protoc's generated classes ({@link GeneratedInferenceService}).</li>
 * </ul>
 * At each iteration's end it prints the heap the server's threads (Netty's event loops and the call executor)
 * allocated per call, and that as a share of the tensor's bytes ("server allocated"): the client, a generated
 * blocking stub on the benchmark thread, is not counted. {@code -prof gc} gives the whole JVM's, client included.
 * Both run on the same server, which advertises {@code maxFrameSize} ({@code NettyFrameSize}, as the starter does
 * by default); {@code -p maxFrameSize=16384} keeps HTTP/2's default. The first 10 to 15 seconds of a fork run at a
 * fifth of the later speed for both implementations (grpc-java's flow-control window and the JIT settling), so
 * the warm-up is long.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class GrpcInferBenchmark {

    @Param({"16777216"})
    int tensorBytes;

    @Param({"pinned", "generated"})
    String implementation;

    /** The server's HTTP/2 {@code SETTINGS_MAX_FRAME_SIZE} ({@code NettyFrameSize}; 16384 is HTTP/2's default). */
    @Param({"1048576"})
    int maxFrameSize;

    private BenchGrpcServer server;
    private ModelInferRequest request;
    private long serverBytesBefore;
    private long callBytesBefore;
    private long calls;

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = new BenchGrpcServer(implementation, tensorBytes, 4, maxFrameSize);
        request = BenchGrpcServer.request(tensorBytes);
        ModelInferResponse first = server.stub.modelInfer(request);
        if (first.getRawOutputContents(0).size() != tensorBytes) {
            throw new IllegalStateException(implementation + " answered " + first.getRawOutputContents(0).size()
                    + " bytes instead of " + tensorBytes);
        }
    }

    @Setup(Level.Iteration)
    public void countServer() {
        serverBytesBefore = server.serverAllocatedBytes();
        callBytesBefore = server.callThreadsAllocatedBytes();
        calls = 0;
    }

    @Benchmark
    public ModelInferResponse infer() {
        calls++;
        return server.stub.modelInfer(request);
    }

    @TearDown(Level.Iteration)
    public void reportServer() {
        if (calls > 0) {
            long perCall = (server.serverAllocatedBytes() - serverBytesBefore) / calls;
            long onCalls = (server.callThreadsAllocatedBytes() - callBytesBefore) / calls;
            System.out.printf("server allocated %d bytes/call (%.3f%% of the tensor's %d bytes): %d (%.3f%%) on the call "
                    + "threads (marshallers, service, model), %d on Netty's event loops%n", perCall, 100.0 * perCall / tensorBytes,
                    tensorBytes, onCalls, 100.0 * onCalls / tensorBytes, perCall - onCalls);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        server.close();
    }
}
