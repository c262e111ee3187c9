package dev.pinnedmemory.inference.grpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.inference.FuzzCorpus;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.InferTensorContents;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferRequest.InferInputTensor;
import inference.GrpcPredictV2.ModelInferRequest.InferRequestedOutputTensor;

import static dev.pinnedmemory.inference.grpc.GrpcFixtures.floats;
import static dev.pinnedmemory.inference.grpc.GrpcFixtures.strings;

/**
 * The gRPC fuzz target's seed corpus: {@code ModelInferRequest}s as protoc's generated classes write them
 * (what Triton's and KServe's clients send) and in field orders and encodings only hand-written bytes have
 * (the requests of {@code ModelInferRequestReaderTests}), aimed at the fuzz server's models
 * ({@code FuzzServer}): raw and typed contents of every datatype, parameters of every kind, unknown fields,
 * and the malformed messages of the reader's tests. Committed under
 * {@code src/test/resources/dev/pinnedmemory/inference/grpc/ModelInferFuzzTestsInputs/modelInferRequest/};
 * {@link #main} writes them there again after a change here ({@code ModelInferFuzzTests} checks that the
 * committed files hold every seed).
 */
final class GrpcSeeds {

    private GrpcSeeds() {
    }

    /** Writes every seed into the directory {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        FuzzCorpus.write(args[0], all());
    }

    /** {@return every seed by its file name} */
    static Map<String, byte[]> all() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        // The protocol's example model with raw contents, as grpcclient (Triton) and KServe's SDK send it.
        seeds.put("raw-mymodel", ModelInferRequest.newBuilder().setModelName("mymodel").setId("42")
                .addInputs(input("input0", "UINT32", 2, 2)).addInputs(input("input1", "BOOL", 3))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("output0"))
                .addRawInputContents(ints(1, 2, 3, 4))
                .addRawInputContents(ByteString.copyFrom(new byte[] {1, 0, 1}))
                .build().toByteArray());
        ByteBuffer counting = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            counting.putInt(i);
        }
        seeds.put("raw-triton-simple", ModelInferRequest.newBuilder().setModelName("simple").setModelVersion("1")
                .addInputs(input("INPUT0", "INT32", 1, 16)).addInputs(input("INPUT1", "INT32", 1, 16))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("OUTPUT0"))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("OUTPUT1"))
                .addRawInputContents(ByteString.copyFrom(counting.flip()))
                .addRawInputContents(ByteString.copyFrom(new byte[64]))
                .build().toByteArray());
        // Every datatype raw, five elements each.
        for (String[] type : new String[][] {{"BOOL", "1"}, {"UINT8", "1"}, {"UINT16", "2"}, {"UINT32", "4"},
                {"UINT64", "8"}, {"INT8", "1"}, {"INT16", "2"}, {"INT32", "4"}, {"INT64", "8"}, {"FP16", "2"},
                {"BF16", "2"}, {"FP32", "4"}, {"FP64", "8"}}) {
            byte[] data = new byte[5 * Integer.parseInt(type[1])];
            for (int i = 0; i < data.length; i++) {
                data[i] = type[0].equals("BOOL") ? (byte) (i % 2) : (byte) (i * 37 + 11);
            }
            seeds.put("raw-" + type[0].toLowerCase(Locale.ROOT), echo(type[0], 5).addRawInputContents(ByteString.copyFrom(data))
                    .build().toByteArray());
        }
        seeds.put("raw-bytes", echo("BYTES", 2).addRawInputContents(strings("hello", "")).build().toByteArray());
        seeds.put("raw-empty-tensor", echo("FP32", 0).addRawInputContents(ByteString.EMPTY).build().toByteArray());
        // Typed contents of every datatype that has them.
        seeds.put("typed-bool", echo("BOOL", 3).setInputs(0, input("INPUT", "BOOL", 3).setContents(InferTensorContents
                .newBuilder().addBoolContents(true).addBoolContents(false).addBoolContents(true))).build().toByteArray());
        for (String type : new String[] {"INT8", "INT16", "INT32"}) {
            seeds.put("typed-" + type.toLowerCase(Locale.ROOT), typed(type, InferTensorContents.newBuilder()
                    .addIntContents(-7).addIntContents(0).addIntContents(99)));
        }
        seeds.put("typed-int64", typed("INT64", InferTensorContents.newBuilder().addInt64Contents(-1)
                .addInt64Contents(Long.MAX_VALUE).addInt64Contents(42)));
        for (String type : new String[] {"UINT8", "UINT16", "UINT32"}) {
            seeds.put("typed-" + type.toLowerCase(Locale.ROOT), typed(type, InferTensorContents.newBuilder()
                    .addUintContents(7).addUintContents(0).addUintContents(200)));
        }
        seeds.put("typed-uint64", typed("UINT64", InferTensorContents.newBuilder().addUint64Contents(-1L)
                .addUint64Contents(0).addUint64Contents(5)));
        seeds.put("typed-fp32", typed("FP32", InferTensorContents.newBuilder().addFp32Contents(1.5f)
                .addFp32Contents(Float.NaN).addFp32Contents(-0f)));
        seeds.put("typed-fp64", typed("FP64", InferTensorContents.newBuilder().addFp64Contents(Math.PI)
                .addFp64Contents(Double.NEGATIVE_INFINITY).addFp64Contents(1e-300)));
        seeds.put("typed-bytes", typed("BYTES", InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("héllo"))
                .addBytesContents(ByteString.EMPTY).addBytesContents(ByteString.copyFromUtf8("x"))));
        seeds.put("typed-fp16-has-none", typed("FP16", InferTensorContents.newBuilder().addFp32Contents(1)
                .addFp32Contents(2).addFp32Contents(3)));
        seeds.put("typed-grid", ModelInferRequest.newBuilder().setModelName("grid").setModelVersion("2")
                .addInputs(input("A", "FP64", 2, 1).setContents(InferTensorContents.newBuilder().addFp64Contents(1)
                        .addFp64Contents(2)))
                .addInputs(input("B", "BYTES", 1).setContents(InferTensorContents.newBuilder()
                        .addBytesContents(ByteString.copyFromUtf8("abc"))))
                .addInputs(input("C", "BOOL", 2).setContents(InferTensorContents.newBuilder().addBoolContents(false)
                        .addBoolContents(true)))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("CHECKSUM"))
                .build().toByteArray());
        // What only hand-written bytes have: unpacked values and shapes, contents given twice, unknown fields and
        // groups, Triton's double and unsigned parameters, raw contents before the inputs and the model's name last.
        GrpcFixtures.Wire unpacked = new GrpcFixtures.Wire().fixed32(6, Float.floatToIntBits(1.5f))
                .fixed32(6, Float.floatToIntBits(-2f));
        seeds.put("wire-unpacked-values-and-shape", new GrpcFixtures.Wire().string(1, "echo_fp32").nested(5,
                new GrpcFixtures.Wire().string(1, "INPUT").string(2, "FP32").varint(3, 2).nested(5, unpacked)).toByteArray());
        seeds.put("wire-contents-twice", new GrpcFixtures.Wire().string(1, "echo_int64").nested(5, new GrpcFixtures.Wire()
                .string(1, "INPUT").string(2, "INT64").varint(3, 3)
                .message(5, InferTensorContents.newBuilder().addInt64Contents(7).addInt64Contents(8).build())
                .message(5, InferTensorContents.newBuilder().addInt64Contents(9).build())).toByteArray());
        seeds.put("wire-unknown-fields-and-groups", new GrpcFixtures.Wire().group(99).string(1, "echo_int64").fixed32(100, 1)
                .bytes(101, ByteString.copyFromUtf8("future")).nested(5, new GrpcFixtures.Wire().varint(40, 1)
                        .string(1, "INPUT").fixed64(41, 5).string(2, "INT64").varint(3, 1).group(42)
                        .nested(5, new GrpcFixtures.Wire().fixed32(30, 9).varint(3, 77)))
                .varint(102, -1).toByteArray());
        ModelInferRequest parameterized = ModelInferRequest.newBuilder().setModelName("echo_fp32")
                .putParameters("priority", InferParameter.newBuilder().setInt64Param(3).build())
                .putParameters("sequence_start", InferParameter.newBuilder().setBoolParam(true).build())
                .putParameters("tag", InferParameter.newBuilder().setStringParam("a").build())
                .addInputs(input("INPUT", "FP32", 2).putParameters("note", InferParameter.newBuilder().setStringParam("x").build()))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("CHECKSUM")
                        .putParameters("classification", InferParameter.newBuilder().setInt64Param(1).build()))
                .addRawInputContents(floats(1, 2))
                .build();
        seeds.put("wire-parameters-of-every-kind", new GrpcFixtures.Wire().raw(parameterized.toByteArray())
                .nested(4, new GrpcFixtures.Wire().string(1, "temperature")
                        .nested(2, new GrpcFixtures.Wire().fixed64(4, Double.doubleToLongBits(0.25))))
                .nested(4, new GrpcFixtures.Wire().string(1, "seed").nested(2, new GrpcFixtures.Wire().varint(5, 12345)))
                .toByteArray());
        seeds.put("wire-raw-before-inputs-model-last", new GrpcFixtures.Wire()
                .bytes(7, ints(1, 2, 3, 4))
                .bytes(7, ByteString.copyFrom(new byte[] {0, 1, 1}))
                .message(5, input("input0", "UINT32", 2, 2).build())
                .message(5, input("input1", "BOOL", 3).build())
                .string(3, "req-7")
                .string(1, "mymodel")
                .toByteArray());
        // The reader's refusals: rules, limits and malformed bytes.
        byte[] good = echo("FP32", 2).addRawInputContents(floats(1, 2)).build().toByteArray();
        seeds.put("refused-unknown-model", echo("FP32", 2).setModelName("nope").addRawInputContents(floats(1, 2)).build()
                .toByteArray());
        seeds.put("refused-unknown-version", echo("FP32", 2).setModelVersion("9").addRawInputContents(floats(1, 2)).build()
                .toByteArray());
        seeds.put("refused-wrong-datatype", echo("FP32", 2).setInputs(0, input("INPUT", "INT32", 2))
                .addRawInputContents(floats(1, 2)).build().toByteArray());
        seeds.put("refused-size-of-shape", echo("FP32", 3).addRawInputContents(floats(1, 2)).build().toByteArray());
        seeds.put("refused-over-largest-buffer", echo("UINT8", 4096).setInputs(0, input("INPUT", "UINT8", 4096)
                .setContents(InferTensorContents.newBuilder().addUintContents(1))).build().toByteArray());
        seeds.put("refused-over-message-limit", echo("UINT8", 3100).addRawInputContents(ByteString.copyFrom(new byte[3100]))
                .build().toByteArray());
        seeds.put("refused-bool-not-0-or-1", echo("BOOL", 2).addRawInputContents(ByteString.copyFrom(new byte[] {1, 2}))
                .build().toByteArray());
        seeds.put("refused-out-of-range", typed("UINT8", InferTensorContents.newBuilder().addUintContents(7)
                .addUintContents(300).addUintContents(1)));
        seeds.put("refused-truncated", Arrays.copyOf(good, good.length - 1));
        seeds.put("refused-long-varint", new GrpcFixtures.Wire().string(1, "echo_fp32").raw((byte) 0xA0, (byte) 0x01,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0x01).toByteArray());
        seeds.put("refused-not-utf8", new GrpcFixtures.Wire().bytes(1, ByteString.copyFrom(new byte[] {(byte) 0xC3, 0x28}))
                .toByteArray());
        seeds.put("refused-huge-length", new GrpcFixtures.Wire().raw((byte) 0x0A, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x08).toByteArray());
        seeds.put("refused-empty", new byte[0]);
        return seeds;
    }

    private static InferInputTensor.Builder input(String name, String datatype, long... shape) {
        InferInputTensor.Builder input = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long dimension : shape) {
            input.addShape(dimension);
        }
        return input;
    }

    private static ModelInferRequest.Builder echo(String datatype, long elements) {
        return ModelInferRequest.newBuilder().setModelName("echo_" + datatype.toLowerCase(Locale.ROOT))
                .addInputs(input("INPUT", datatype, elements));
    }

    private static byte[] typed(String datatype, InferTensorContents.Builder contents) {
        return ModelInferRequest.newBuilder().setModelName("echo_" + datatype.toLowerCase(Locale.ROOT))
                .addInputs(input("INPUT", datatype, 3).setContents(contents)).build().toByteArray();
    }

    private static ByteString ints(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int value : values) {
            buffer.putInt(value);
        }
        return ByteString.copyFrom(buffer.flip());
    }
}
