#!/bin/sh
# The pinned-memory GPU check, unpacked from gpu-check.tar.gz (built by benchmarks/gpu-bundle.sh):
#   tar xzf gpu-check.tar.gz && gpu-check/run.sh OUT_DIR
# Needs only /bin/sh and the NVIDIA driver: the Java runtime, the library, JCuda and its natives, the
# gpu-tagged tests and the JUnit launcher are inside. Runs the gpu tests, measures copy bandwidth and the
# time to make pinned memory, gives the device back, runs the same measurements with PyTorch, and writes
# OUT_DIR/gpu-check.json and OUT_DIR/gpu-check.txt (the JSON also after each phase, marked incomplete, so
# a run that is killed leaves what it found). About 1 to 2 minutes on a GPU machine, at most 4.
#
# Environment:
#   GPU_CHECK_REQUIRE_DEVICE=1   no CUDA device is a failure (exit 4), for machines that have a GPU
#   GPU_CHECK_PYTHON=PATH        the Python with torch for the PyTorch peer (default: python3 on PATH)
#   GPU_CHECK_JAVA_OPTS=...      more JVM options, e.g. -Dgpucheck.sizesGib=1 to skip the 8 GiB warm-up
# Exit status: 0 when no test failed (also where there is no CUDA device, unless one is required: the
# report says why), 1 when a test failed or hung, 2 for a usage error, 3 when the check itself broke,
# 4 when there is no CUDA device and GPU_CHECK_REQUIRE_DEVICE=1, 5 when the check ran past its time and
# stopped (the partial report is written).
set -eu

if [ "$#" -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
mkdir -p -- "$1"
out=$(CDPATH='' cd -- "$1" && pwd)
java="$here/runtime/bin/java"
if [ ! -x "$java" ]; then
    echo "gpu-check: no Java runtime at $java (unpack the whole gpu-check.tar.gz)" >&2
    exit 2
fi

# JCuda loads its natives from java.library.path (natives/, unpacked by gpu-bundle.sh) and otherwise
# extracts them into java.io.tmpdir, reusing any file of the same name it finds there. A noexec /tmp, or a
# stale library from another build in it, would hide the device and skip every gpu test: the check uses a
# tmpdir of its own, emptied first, beside the runtime (whose file system lets programs run).
tmp="$here/tmp"
if ! { rm -rf -- "$tmp" && mkdir -p -- "$tmp"; } 2>/dev/null; then
    tmp="$out/tmp"
    rm -rf -- "$tmp"
    mkdir -p -- "$tmp"
fi

# shellcheck disable=SC2086 # GPU_CHECK_JAVA_OPTS is a list of options
exec "$java" --enable-native-access=ALL-UNNAMED -Xmx8g -XX:MaxDirectMemorySize=4g \
    -Djava.io.tmpdir="$tmp" -Djava.library.path="$here/natives" \
    -Dgpucheck.home="$here" -Dgpucheck.requireDevice="${GPU_CHECK_REQUIRE_DEVICE:-0}" ${GPU_CHECK_JAVA_OPTS:-} \
    -cp "$here/lib/*:$here/test-lib/*:$here/tests" \
    dev.pinnedmemory.benchmarks.gpu.GpuCheck "$out"
