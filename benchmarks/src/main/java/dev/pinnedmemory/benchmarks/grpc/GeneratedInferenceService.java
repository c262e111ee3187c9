package dev.pinnedmemory.benchmarks.grpc;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.inference.DeclaredInput;
import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ResponseOutput;
import dev.pinnedmemory.inference.TensorSources;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * The peer: {@code ModelInfer} written the usual way, on the classes protoc generates from the proto.
 * grpc-java's protobuf marshaller parses the whole {@code ModelInferRequest} (every
 * {@code raw_input_contents} a heap {@code ByteString}); each is then copied into a lease of the same
 * pool under the same rules ({@link InferenceCall}), and each output into a {@code ByteString} of the
 * generated response. Only the transport differs from {@code GrpcInferenceService}. Thread-safe.
 */
final class GeneratedInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private final InferenceServer server;

    GeneratedInferenceService(InferenceServer server) {
        this.server = server;
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> responses) {
        try (InferenceCall call = server.open(request.getModelName(),
                request.getModelVersion().isEmpty() ? null : request.getModelVersion())) {
            for (int i = 0; i < request.getInputsCount(); i++) {
                ModelInferRequest.InferInputTensor input = request.getInputs(i);
                ByteString raw = request.getRawInputContents(i);
                long[] shape = input.getShapeList().stream().mapToLong(Long::longValue).toArray();
                DeclaredInput declared = call.declareInput(input.getName(), input.getDatatype(), shape, Map.of(), raw.size());
                call.receive(declared, TensorSources.of(MemorySegment.ofBuffer(raw.asReadOnlyByteBuffer())));
            }
            List<ResponseOutput> outputs = call.infer();
            ModelInferResponse.Builder response = ModelInferResponse.newBuilder().setModelName(call.modelName());
            if (call.modelVersion() != null) {
                response.setModelVersion(call.modelVersion());
            }
            for (ResponseOutput output : outputs) {
                ModelInferResponse.InferOutputTensor.Builder tensor = ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName(output.name()).setDatatype(output.type().name());
                for (long dimension : output.shape()) {
                    tensor.addShape(dimension);
                }
                response.addOutputs(tensor).addRawOutputContents(ByteString.copyFrom(output.data().asByteBuffer()));
            }
            responses.onNext(response.build());
            responses.onCompleted();
        } catch (InferenceException e) {
            responses.onError(Status.fromCode(Status.Code.valueOf(e.reason().grpcCode())).withDescription(e.getMessage())
                    .asRuntimeException());
        } catch (java.io.IOException e) {
            responses.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
        }
    }
}
