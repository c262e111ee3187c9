"""Drives pinned-memory's system shared memory extension over gRPC with Python's grpcio and stubs that protoc
generated from Triton's message definitions (src/test/triton/grpc_service.proto), as a co-located Triton client
would: creates a POSIX shared memory object in /dev/shm, writes two INT32 tensors, registers it, runs ModelInfer
with the inputs and the output in the region, checks the status and the refusals, and unregisters. Every check
prints "ok <name>"; the first failure raises, and the exit status says so.

Usage: shm_grpc_client.py STUBS_DIR HOST:PORT
"""
import mmap
import os
import struct
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
import grpc_service_pb2 as pb  # noqa: E402
import grpc_service_pb2_grpc as rpc  # noqa: E402

stub = rpc.GRPCInferenceServiceStub(grpc.insecure_channel(sys.argv[2]))


def ok(name):
    print("ok " + name, flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def shm_parameters(parameters, region, offset, byte_size):
    parameters["shared_memory_region"].string_param = region
    parameters["shared_memory_byte_size"].int64_param = byte_size
    if offset:
        parameters["shared_memory_offset"].int64_param = offset


key = "/pinned-memory-py-grpc-%d" % os.getpid()
fd = os.open("/dev/shm" + key, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
os.ftruncate(fd, 4096)
region = mmap.mmap(fd, 4096)
os.close(fd)
try:
    struct.pack_into("<16i", region, 0, *range(16))
    struct.pack_into("<16i", region, 64, *([100] * 16))

    stub.SystemSharedMemoryRegister(pb.SystemSharedMemoryRegisterRequest(name="io", key=key, offset=0, byte_size=4096))
    status = stub.SystemSharedMemoryStatus(pb.SystemSharedMemoryStatusRequest())
    check(status.regions["io"].key == key and status.regions["io"].byte_size == 4096, "status: %s" % status)
    check("system_shared_memory" in stub.ServerMetadata(pb.ServerMetadataRequest()).extensions, "server metadata")
    ok("register")

    request = pb.ModelInferRequest(model_name="add", id="py")
    for name, offset in (("INPUT0", 0), ("INPUT1", 64)):
        tensor = request.inputs.add(name=name, datatype="INT32", shape=[16])
        shm_parameters(tensor.parameters, "io", offset, 64)
    output = request.outputs.add(name="SUM")
    shm_parameters(output.parameters, "io", 1024, 64)
    response = stub.ModelInfer(request)
    check(response.outputs[0].name == "SUM" and list(response.outputs[0].shape) == [16], "response: %s" % response)
    check(response.outputs[0].parameters["shared_memory_byte_size"].int64_param == 64, "parameters: %s" % response)
    check(list(response.raw_output_contents) == [b""], "raw_output_contents: %s" % list(response.raw_output_contents))
    check(list(struct.unpack_from("<16i", region, 1024)) == [100 + i for i in range(16)],
          "output: %s" % list(struct.unpack_from("<16i", region, 1024)))
    ok("infer")

    try:
        stub.SystemSharedMemoryRegister(pb.SystemSharedMemoryRegisterRequest(name="x", key="/../etc/passwd", byte_size=8))
        raise AssertionError("a hostile key was registered")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT and "has a '/' after its first" in error.details(),
              "hostile key: %s %s" % (error.code(), error.details()))
    try:
        bad = pb.ModelInferRequest(model_name="add")
        for name in ("INPUT0", "INPUT1"):
            shm_parameters(bad.inputs.add(name=name, datatype="INT32", shape=[16]).parameters, "io", 4090, 64)
        stub.ModelInfer(bad)
        raise AssertionError("a tensor outside its region was accepted")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT and "lie outside shared memory region 'io'" in error.details(),
              "outside: %s %s" % (error.code(), error.details()))
    ok("refusals")

    stub.SystemSharedMemoryUnregister(pb.SystemSharedMemoryUnregisterRequest(name="io"))
    check(len(stub.SystemSharedMemoryStatus(pb.SystemSharedMemoryStatusRequest()).regions) == 0, "status after unregister")
    ok("unregister")
finally:
    region.close()
    os.unlink("/dev/shm" + key)
print("all checks passed", flush=True)
