package dev.pinnedmemory.inference.grpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.WireFormat;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceObserver;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.InferenceTensor;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import inference.GRPCInferenceServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

/** Models, a real gRPC server on Netty with grpc-java's generated client, and wire-format helpers for the gRPC tests. */
final class GrpcFixtures {

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GrpcFixtures() {
    }

    /** {@return "scale": INPUT FP32 [-1] gives OUTPUT (each element x 2, in a lease of {@code pool}) and SUM FP32 [1]} */
    static TestModels.Scripted scale(PinnedMemoryPool<byte[]> pool) {
        return new TestModels.Scripted(new ModelMetadata("scale", List.of("1", "2"), "java",
                List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L)), new TensorMetadata("SUM", "FP32", List.of(1L)))),
                request -> {
                    InferenceTensor input = request.input("INPUT");
                    MemorySegment in = input.data();
                    PinnedBuffer<byte[]> out = pool.rent((int) Math.max(4, in.byteSize()));
                    for (long i = 0; i < in.byteSize(); i += 4) {
                        out.segment().set(FLOAT, i, in.get(FLOAT, i) * 2);
                    }
                    return InferenceResponse.builder()
                            .output("OUTPUT", "FP32", input.shape(), out)
                            .output("SUM", "FP32", new long[] {1}, TestModels.floats(TestModels.sum(in)))
                            .parameter("scaled_by", 2L)
                            .build();
                });
    }

    /** {@return "echo_<datatype>": INPUT of {@code datatype} [-1] answered as OUTPUT, its very bytes} */
    static TestModels.Scripted echo(String datatype) {
        return new TestModels.Scripted(new ModelMetadata("echo_" + datatype.toLowerCase(Locale.ROOT), List.of(), "java",
                List.of(new TensorMetadata("INPUT", datatype, List.of(-1L))),
                List.of(new TensorMetadata("OUTPUT", datatype, List.of(-1L)))),
                request -> InferenceResponse.builder()
                        .output("OUTPUT", datatype, request.input("INPUT").shape(), request.input("INPUT").data())
                        .build());
    }

    /** {@return "pair": A FP32 [-1] and B BOOL [-1], answering A as OUTPUT} */
    static TestModels.Scripted pair() {
        return new TestModels.Scripted(new ModelMetadata("pair", List.of(), "java",
                List.of(new TensorMetadata("A", "FP32", List.of(-1L)), new TensorMetadata("B", "BOOL", List.of(-1L))),
                List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L)))),
                request -> InferenceResponse.builder()
                        .output("OUTPUT", "FP32", request.input("A").shape(), request.input("A").data())
                        .build());
    }

    /** {@return "failing": INPUT FP32 [-1], and an exception from every run} */
    static TestModels.Scripted failing() {
        return new TestModels.Scripted(new ModelMetadata("failing", List.of(), "java",
                List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L)))),
                request -> {
                    throw new IllegalStateException("the device is on fire");
                });
    }

    /**
     * A server on a loopback port of its own that advertises 1 MiB HTTP/2 frames ({@link NettyFrameSize}, as the
     * starter's server does by default), and a channel to it with grpc-java's generated stubs.
     */
    static final class Served implements AutoCloseable {

        final PinnedMemoryPool<byte[]> pool;
        final InferenceServer inference;
        final GrpcInferenceService service;
        final List<InferenceObserver.CompletedRequest> completed = new CopyOnWriteArrayList<>();
        final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        final Server server;
        final ManagedChannel channel;
        final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
        final GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub futures;

        Served(PinnedMemoryPool<byte[]> pool, InferenceLimits limits, List<? extends InferenceModel> models) throws IOException {
            this.pool = pool;
            this.inference = InferenceServer.builder(pool).models(models).limits(limits).observer(completed::add).build();
            this.service = new GrpcInferenceService(inference);
            // The transport's own limit above ours, so that the service's refusal is what a client sees.
            this.server = NettyFrameSize.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), 1 << 20,
                            boss, workers)
                    .addService(service)
                    .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, service.maxMessageBytes() * 4))
                    .build().start();
            this.channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
                    .maxInboundMessageSize(Integer.MAX_VALUE).build();
            this.stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
            this.futures = GRPCInferenceServiceGrpc.newFutureStub(channel);
        }

        int port() {
            return server.getPort();
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow();
            server.shutdownNow();
            channel.awaitTermination(10, TimeUnit.SECONDS);
            server.awaitTermination(10, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    /** {@return the little-endian bytes of {@code values}} */
    static ByteString floats(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return ByteString.copyFrom(buffer.flip());
    }

    /** {@return the little-endian bytes of {@code values}} */
    static ByteString longs(long... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            buffer.putLong(value);
        }
        return ByteString.copyFrom(buffer.flip());
    }

    /** {@return BYTES elements as the protocol's raw form has them: each a 4-byte little-endian length, then its bytes} */
    static ByteString strings(String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String value : values) {
            byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length).array());
            out.writeBytes(bytes);
        }
        return ByteString.copyFrom(out.toByteArray());
    }

    /** {@return {@code data} read as little-endian floats} */
    static float[] floatsOf(ByteString data) {
        ByteBuffer buffer = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[buffer.remaining() / 4];
        buffer.asFloatBuffer().get(values);
        return values;
    }

    /** Writes protobuf fields in the order a test chooses, which no generated serialiser does. */
    static final class Wire {

        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

        Wire string(int field, String value) {
            return io(() -> out.writeString(field, value));
        }

        Wire bytes(int field, ByteString value) {
            return io(() -> out.writeBytes(field, value));
        }

        Wire message(int field, MessageLite value) {
            return io(() -> out.writeMessage(field, value));
        }

        Wire varint(int field, long value) {
            return io(() -> out.writeInt64(field, value));
        }

        Wire fixed32(int field, int value) {
            return io(() -> out.writeFixed32(field, value));
        }

        Wire fixed64(int field, long value) {
            return io(() -> out.writeFixed64(field, value));
        }

        /** A length-delimited field whose content is {@code inner}'s bytes. */
        Wire nested(int field, Wire inner) {
            return bytes(field, ByteString.copyFrom(inner.toByteArray()));
        }

        /** A group (wire types 3 and 4) holding one varint: what old serialisers may still send as an unknown field. */
        Wire group(int field) {
            return io(() -> {
                out.writeTag(field, WireFormat.WIRETYPE_START_GROUP);
                out.writeInt64(1, 7);
                out.writeTag(field, WireFormat.WIRETYPE_END_GROUP);
            });
        }

        /** Raw bytes, as they are: a malformed tail, a truncated field. */
        Wire raw(byte... value) {
            return io(() -> out.writeRawBytes(value));
        }

        byte[] toByteArray() {
            io(out::flush);
            return bytes.toByteArray();
        }

        private interface Write {
            void run() throws IOException;
        }

        private Wire io(Write write) {
            try {
                write.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }
}
