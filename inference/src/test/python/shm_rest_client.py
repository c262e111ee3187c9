"""A co-located client of pinned-memory's inference server that sends its tensors through system shared memory,
over the REST API, with nothing but Python's standard library: it creates two POSIX shared memory objects in
/dev/shm, writes an FP32 tensor into one, registers both as regions, runs inferences whose input and output are in
the regions, reads the output from its own mapping, and unregisters. Between steps it prints a line and waits for
one on stdin, so that the test can read what the server's process reports (VmLck) at each step.

Usage: shm_rest_client.py BASE_URL ELEMENTS
"""
import json
import mmap
import os
import struct
import sys
import urllib.error
import urllib.request

base, elements = sys.argv[1], int(sys.argv[2])
size = elements * 4


def ok(name):
    print("ok " + name, flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def step(name):
    print(name, flush=True)
    if sys.stdin.readline().strip() != "go":
        raise AssertionError("the test did not say go after " + name)


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def create(name):
    # What shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600) and ftruncate do: a file in /dev/shm.
    fd = os.open("/dev/shm/" + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    os.ftruncate(fd, size)
    mapping = mmap.mmap(fd, size)
    os.close(fd)
    return mapping


pid = os.getpid()
input_key, output_key = "/pinned-memory-py-in-%d" % pid, "/pinned-memory-py-out-%d" % pid
inputs, outputs = create(input_key[1:]), create(output_key[1:])
try:
    floats = memoryview(inputs).cast("f")
    for i in range(elements):
        floats[i] = i * 0.5

    status, body = call("POST", "/v2/systemsharedmemory/region/input_data/register",
                        {"key": input_key, "offset": 0, "byte_size": size})
    check(status == 200, "register input_data: %d %s" % (status, body))
    status, body = call("POST", "/v2/systemsharedmemory/region/output_data/register",
                        {"key": output_key, "offset": 0, "byte_size": size})
    check(status == 200, "register output_data: %d %s" % (status, body))
    ok("register")

    status, body = call("GET", "/v2/systemsharedmemory/status")
    regions = {region["name"]: region for region in json.loads(body)}
    check(status == 200 and regions["input_data"] == {"name": "input_data", "key": input_key, "offset": 0,
                                                        "byte_size": size}, "status: %d %s" % (status, body))
    status, body = call("GET", "/v2")
    check("system_shared_memory" in json.loads(body)["extensions"], "server metadata: %s" % body)
    ok("status")
    step("registered")

    for round in range(2):
        request = {"id": "shm-%d" % round,
                   "inputs": [{"name": "INPUT", "shape": [elements], "datatype": "FP32",
                               "parameters": {"shared_memory_region": "input_data", "shared_memory_byte_size": size}}],
                   "outputs": [{"name": "OUTPUT",
                                "parameters": {"shared_memory_region": "output_data", "shared_memory_byte_size": size}}]}
        status, body = call("POST", "/v2/models/double/infer", request)
        check(status == 200, "infer: %d %s" % (status, body))
        answer = json.loads(body)
        output = answer["outputs"][0]
        check("data" not in output, "an output in shared memory comes back without data: %s" % output)
        check(output["parameters"] == {"shared_memory_region": "output_data", "shared_memory_offset": 0,
                                       "shared_memory_byte_size": size}, "output parameters: %s" % output)
        results = memoryview(outputs).cast("f")
        expected = [(i * 0.5 + round) * 2 for i in range(elements)]
        check(list(results[:8]) == expected[:8] and results[elements - 1] == expected[-1],
              "round %d: %s..." % (round, list(results[:8])))
        for i in range(elements):
            floats[i] = floats[i] + 1   # the next round reads the region as it is then: no copy was taken
        results.release()
    ok("infer")

    status, body = call("POST", "/v2/systemsharedmemory/region/hostile/register",
                        {"key": "/../etc/passwd", "offset": 0, "byte_size": 4096})
    check(status == 400 and "has a '/' after its first" in json.loads(body)["error"], "hostile key: %d %s" % (status, body))
    status, body = call("POST", "/v2/systemsharedmemory/region/input_data/register",
                        {"key": input_key, "offset": 0, "byte_size": size})
    check(status == 400 and "is registered already" in json.loads(body)["error"], "twice: %d %s" % (status, body))
    ok("refusals")

    status, body = call("POST", "/v2/systemsharedmemory/region/input_data/unregister")
    check(status == 200, "unregister input_data: %d %s" % (status, body))
    status, body = call("POST", "/v2/systemsharedmemory/unregister")
    check(status == 200, "unregister all: %d %s" % (status, body))
    status, body = call("GET", "/v2/systemsharedmemory/status")
    check(status == 200 and json.loads(body) == [], "status after unregister: %d %s" % (status, body))
    ok("unregister")
    step("unregistered")
    floats.release()
finally:
    inputs.close()
    outputs.close()
    os.unlink("/dev/shm" + input_key)
    os.unlink("/dev/shm" + output_key)
print("all checks passed", flush=True)
