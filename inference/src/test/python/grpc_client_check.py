"""Drives pinned-memory's gRPC inference service with Python's grpcio and stubs that protoc generated from
grpc_predict_v2.proto: a client this project did not write. Every check prints "ok <name>"; the first
failure raises, and the exit status says so.

Usage: grpc_client_check.py STUBS_DIR HOST:PORT LARGEST_TENSOR_BYTES
"""
import struct
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
import grpc_predict_v2_pb2 as pb  # noqa: E402
import grpc_predict_v2_pb2_grpc as rpc  # noqa: E402

target, largest = sys.argv[2], int(sys.argv[3])
channel = grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", -1),
                                                 ("grpc.max_send_message_length", -1)])
stub = rpc.GRPCInferenceServiceStub(channel)


def ok(name):
    print("ok " + name, flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def floats(*values):
    return struct.pack("<%df" % len(values), *values)


def unfloats(data):
    return list(struct.unpack("<%df" % (len(data) // 4), data))


def strings(*values):
    return b"".join(struct.pack("<I", len(v)) + v for v in values)


def raw_request(model, datatype, shape, data):
    request = pb.ModelInferRequest(model_name=model)
    request.inputs.add(name="INPUT", datatype=datatype, shape=shape)
    request.raw_input_contents.append(data)
    return request


def refused(call, code, fragment, name):
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, "%s: %s instead of %s (%s)" % (name, error.code(), code, error.details()))
        check(fragment in error.details(), "%s: %r does not contain %r" % (name, error.details(), fragment))
        ok(name)
        return
    raise AssertionError(name + ": no error")


check(stub.ServerLive(pb.ServerLiveRequest()).live, "not live")
ok("server_live")
check(stub.ServerReady(pb.ServerReadyRequest()).ready, "not ready")
ok("server_ready")
metadata = stub.ServerMetadata(pb.ServerMetadataRequest())
check(metadata.name == "pinned-memory" and "binary_tensor_data" in metadata.extensions, str(metadata))
ok("server_metadata")
check(stub.ModelReady(pb.ModelReadyRequest(name="scale", version="1")).ready, "scale not ready")
ok("model_ready")
model = stub.ModelMetadata(pb.ModelMetadataRequest(name="scale"))
check(model.name == "scale" and list(model.versions) == ["1", "2"] and model.inputs[0].datatype == "FP32"
      and list(model.inputs[0].shape) == [-1] and [o.name for o in model.outputs] == ["OUTPUT", "SUM"], str(model))
ok("model_metadata")

# FP32 raw: the scale model doubles its input and sums it.
response = stub.ModelInfer(raw_request("scale", "FP32", [4], floats(1, 2, 3, 4.5)), timeout=30)
check(response.model_name == "scale" and response.model_version == "2", str(response))
check([o.name for o in response.outputs] == ["OUTPUT", "SUM"] and list(response.outputs[0].shape) == [4], str(response))
check(unfloats(response.raw_output_contents[0]) == [2, 4, 6, 9], unfloats(response.raw_output_contents[0]))
check(unfloats(response.raw_output_contents[1]) == [10.5], unfloats(response.raw_output_contents[1]))
check(response.parameters["scaled_by"].int64_param == 2, str(response.parameters))
ok("infer_fp32_raw")

# A tensor of the pool's largest buffer, raw, and requested outputs with an id.
big = floats(*([0.5] * (largest // 4)))
request = raw_request("scale", "FP32", [largest // 4], big)
request.id = "py-1"
request.outputs.add(name="SUM")
response = stub.ModelInfer(request, timeout=60)
check(response.id == "py-1" and [o.name for o in response.outputs] == ["SUM"], str(response.outputs))
check(unfloats(response.raw_output_contents[0]) == [0.5 * (largest // 4)], unfloats(response.raw_output_contents[0]))
ok("infer_fp32_raw_largest")

ints = struct.pack("<3q", -5, 0, 2 ** 63 - 1)
response = stub.ModelInfer(raw_request("echo_int64", "INT64", [3], ints), timeout=30)
check(response.raw_output_contents[0] == ints and response.outputs[0].datatype == "INT64", str(response))
ok("infer_int64_raw")

text = strings(b"hello", "wörld".encode(), b"")
response = stub.ModelInfer(raw_request("echo_bytes", "BYTES", [3], text), timeout=30)
check(response.raw_output_contents[0] == text, response.raw_output_contents[0])
ok("infer_bytes_raw")

typed = pb.ModelInferRequest(model_name="scale")
typed.inputs.add(name="INPUT", datatype="FP32", shape=[3]).contents.fp32_contents.extend([1.0, -1.0, 0.25])
response = stub.ModelInfer(typed, timeout=30)
check(unfloats(response.raw_output_contents[0]) == [2, -2, 0.5], unfloats(response.raw_output_contents[0]))
ok("infer_fp32_typed")

typed = pb.ModelInferRequest(model_name="echo_int64")
typed.inputs.add(name="INPUT", datatype="INT64", shape=[2]).contents.int64_contents.extend([-(2 ** 63), 7])
response = stub.ModelInfer(typed, timeout=30)
check(struct.unpack("<2q", response.raw_output_contents[0]) == (-(2 ** 63), 7), response.raw_output_contents[0])
ok("infer_int64_typed")

typed = pb.ModelInferRequest(model_name="echo_bytes")
typed.inputs.add(name="INPUT", datatype="BYTES", shape=[2]).contents.bytes_contents.extend([b"a", b"bc"])
response = stub.ModelInfer(typed, timeout=30)
check(response.raw_output_contents[0] == strings(b"a", b"bc"), response.raw_output_contents[0])
ok("infer_bytes_typed")

refused(lambda: stub.ModelInfer(raw_request("nope", "FP32", [1], floats(1))), grpc.StatusCode.NOT_FOUND,
        "unknown model 'nope'", "error_not_found")
refused(lambda: stub.ModelInfer(raw_request("scale", "FP32", [3], floats(1))), grpc.StatusCode.INVALID_ARGUMENT,
        "input 'INPUT' (FP32, shape [3]): 4 bytes, but 3 elements of FP32 are 12 bytes", "error_invalid_size")
refused(lambda: stub.ModelInfer(raw_request("scale", "INT64", [1], ints[:8])), grpc.StatusCode.INVALID_ARGUMENT,
        "input 'INPUT': datatype INT64, but model 'scale' takes FP32", "error_invalid_datatype")
refused(lambda: stub.ModelInfer(raw_request("scale", "FP32", [largest // 4 + 1], big + floats(1))),
        grpc.StatusCode.RESOURCE_EXHAUSTED, "larger than the largest buffer of pool 'tensors'", "error_too_large")
refused(lambda: stub.ModelInfer(raw_request("failing", "FP32", [1], floats(1))), grpc.StatusCode.INTERNAL,
        "model 'failing' failed: the device is on fire", "error_model_failed")
bad_typed = pb.ModelInferRequest(model_name="echo_int64")
bad_typed.inputs.add(name="INPUT", datatype="INT64", shape=[1]).contents.fp32_contents.append(1.0)
refused(lambda: stub.ModelInfer(bad_typed), grpc.StatusCode.INVALID_ARGUMENT,
        "its contents have fp32_contents, but INT64 takes int64_contents", "error_typed_contents")
refused(lambda: stub.ModelMetadata(pb.ModelMetadataRequest(name="scale", version="9")), grpc.StatusCode.NOT_FOUND,
        "model 'scale' has no version '9'", "error_metadata_not_found")
print("all checks passed", flush=True)
