package dev.pinnedmemory.benchmarks.grpc;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Small calls: {@code ModelInfer} of a 4 KiB FP32 input from 16 threads at once (16 concurrent streams on one
 * channel), to each implementation of {@link GrpcInferBenchmark}; throughput, and with {@code -bm sample} the
 * latency percentiles (p99). Prints the server's heap per call at each iteration's end.
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@Threads(16)
@State(Scope.Benchmark)
public class GrpcSmallCallBenchmark {

    @Param({"4096"})
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
    private final LongAdder calls = new LongAdder();

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = new BenchGrpcServer(implementation, tensorBytes, 16, maxFrameSize);
        request = BenchGrpcServer.request(tensorBytes);
        server.stub.modelInfer(request);
    }

    @Setup(Level.Iteration)
    public void countServer() {
        serverBytesBefore = server.serverAllocatedBytes();
        callBytesBefore = server.callThreadsAllocatedBytes();
        calls.reset();
    }

    @Benchmark
    public ModelInferResponse infer() {
        calls.increment();
        return server.stub.modelInfer(request);
    }

    @TearDown(Level.Iteration)
    public void reportServer() {
        long count = calls.sum();
        if (count > 0) {
            long perCall = (server.serverAllocatedBytes() - serverBytesBefore) / count;
            long onCalls = (server.callThreadsAllocatedBytes() - callBytesBefore) / count;
            System.out.printf("server allocated %d bytes/call: %d on the call threads, %d on Netty's event loops%n", perCall,
                    onCalls, perCall - onCalls);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        server.close();
    }
}
