#!/bin/sh
# The pinned-memory GPU check, unpacked from gpu-check.tar.gz (built by benchmarks/gpu-bundle.sh):
#   tar xzf gpu-check.tar.gz && gpu-check/run.sh OUT_DIR
# Needs only /bin/sh and the NVIDIA driver: the Java runtime, the library, JCuda, the gpu-tagged tests
# and the JUnit launcher are inside. Runs the gpu tests, measures copy bandwidth and the time to make
# pinned memory against PyTorch (python3 with torch, or $GPU_CHECK_PYTHON, when there is one), and
# writes OUT_DIR/gpu-check.json and OUT_DIR/gpu-check.txt. About 1 to 2 minutes on a GPU machine, at most 4.
# Exit status: 0 when no test failed (also where there is no CUDA device: the report says why),
# 1 when a test failed, 2 for a usage error, 3 when the check itself broke.
# GPU_CHECK_JAVA_OPTS adds JVM options (e.g. -Dgpucheck.sizesGib=1 to skip the 8 GiB warm-up).
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

# shellcheck disable=SC2086 # GPU_CHECK_JAVA_OPTS is a list of options
exec "$java" --enable-native-access=ALL-UNNAMED -Xmx8g -XX:MaxDirectMemorySize=4g \
    -Dgpucheck.home="$here" ${GPU_CHECK_JAVA_OPTS:-} \
    -cp "$here/lib/*:$here/test-lib/*:$here/tests" \
    dev.pinnedmemory.benchmarks.gpu.GpuCheck "$out"
