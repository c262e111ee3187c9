package dev.pinnedmemory.autoconfigure;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;

/** A gRPC client of the inference service for the auto-configuration's tests: messages encoded by hand with protobuf's coded streams. */
final class InferenceGrpcClient implements AutoCloseable {

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final ManagedChannel channel;

    InferenceGrpcClient(int port) {
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
    }

    /** {@return whether {@code ServerLive} says the server is live} */
    boolean serverLive() {
        byte[] response = call("ServerLive", new byte[0]);
        return response.length == 2 && response[0] == 0x08 && response[1] == 0x01;
    }

    /** {@return the {@code raw_output_contents} of a {@code ModelInfer} of one FP32 input named INPUT of shape [n]} */
    List<ByteString> infer(String model, byte[] input) {
        try {
            ByteArrayOutputStream tensor = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(tensor);
            out.writeString(1, "INPUT");
            out.writeString(2, "FP32");
            out.writeInt64(3, input.length / 4);
            out.flush();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            out = CodedOutputStream.newInstance(request);
            out.writeString(1, model);
            out.writeBytes(5, ByteString.copyFrom(tensor.toByteArray()));
            out.writeByteArray(7, input);
            out.flush();
            CodedInputStream in = CodedInputStream.newInstance(call("ModelInfer", request.toByteArray()));
            List<ByteString> outputs = new ArrayList<>();
            int tag;
            while ((tag = in.readTag()) != 0) {
                if (tag >>> 3 == 6) {
                    outputs.add(in.readBytes());
                } else {
                    in.skipField(tag);
                }
            }
            return outputs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] call(String method, byte[] request) {
        MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("inference.GRPCInferenceService", method))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        return ClientCalls.blockingUnaryCall(channel, descriptor, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                request);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    /** A model "echo": INPUT FP32 [-1] answered as OUTPUT, its very bytes. */
    static final class EchoModel implements InferenceModel {

        @Override
        public ModelMetadata metadata() {
            return new ModelMetadata("echo", List.of(), "java", List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                    List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L))));
        }

        @Override
        public InferenceResponse infer(dev.pinnedmemory.inference.InferenceRequest request) {
            MemorySegment data = request.input("INPUT").data();
            return InferenceResponse.builder().output("OUTPUT", "FP32", request.input("INPUT").shape(), data).build();
        }
    }
}
