#!/usr/bin/env bash
# GPU check, a few minutes on a machine with an NVIDIA GPU: builds the benchmarks, runs the
# GPU-tagged tests of core, then measures host-to-device cudaMemcpy from a pooled pinned buffer
# against pageable memory (heap byte[], direct ByteBuffer) at 64 MiB and 1 GiB, and prints GB/s.
# Without a usable CUDA device it says why after the test step and exits 0.
#
# Usage: benchmarks/gpu-check.sh            (from anywhere; works in the repository root)
#   GPU_CHECK_MAVEN_ARGS="-o"               extra Maven arguments (e.g. offline, a local repository)
#   GPU_CHECK_SIZES_MIB="64,1024"           copy sizes for CudaBandwidthBenchmark (MiB)
set -euo pipefail
cd "$(dirname "$0")/.."

# A JDK 25, found like .ci/run does.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

if [[ -z "${JAVA_HOME:-}" || "$(java_major "$JAVA_HOME" 2>/dev/null || echo 0)" -lt 25 ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    if [[ -x "$candidate/bin/java" && "$(java_major "$candidate" 2>/dev/null || echo 0)" -ge 25 ]]; then
      export JAVA_HOME="$candidate"
      break
    fi
  done
fi
if [[ -z "${JAVA_HOME:-}" || "$(java_major "$JAVA_HOME" 2>/dev/null || echo 0)" -lt 25 ]]; then
  echo "gpu-check: no JDK 25 found under /usr/lib/jvm; install Temurin 25 and set JAVA_HOME" >&2
  exit 1
fi
export PATH="$JAVA_HOME/bin:$PATH"
echo "gpu-check: using JAVA_HOME=$JAVA_HOME"

read -r -a maven_args <<< "${GPU_CHECK_MAVEN_ARGS:-}"
sizes="${GPU_CHECK_SIZES_MIB:-64,1024}"
jar=benchmarks/target/benchmarks.jar

echo "gpu-check: [1/3] building the benchmarks jar"
./mvnw -B -q ${maven_args[@]+"${maven_args[@]}"} -DskipTests -pl benchmarks -am package

echo "gpu-check: [2/3] GPU-tagged tests of core (-Dgroups=gpu; they skip themselves without a device)"
./mvnw -B ${maven_args[@]+"${maven_args[@]}"} -pl core test -Dgroups=gpu -DskipLincheck

echo "gpu-check: [3/3] CUDA host-to-device bandwidth"
set +e
probe="$(java --enable-native-access=ALL-UNNAMED -cp "$jar" dev.pinnedmemory.benchmarks.CudaProbe 2>&1)"
probe_status=$?
set -e
echo "$probe"
if (( probe_status == 3 )); then
  echo "gpu-check: no CUDA device here, so no bandwidth measurement (the reason is above); exiting 0"
  exit 0
elif (( probe_status != 0 )); then
  echo "gpu-check: the CUDA probe failed (exit $probe_status)" >&2
  exit "$probe_status"
fi

results="$(mktemp -t gpu-check-XXXXXX.json)"
trap 'rm -f "$results"' EXIT
# One fork, 2 warm-up and 3 measured iterations of 1 s: 2 sizes x 3 sources, about a minute.
java -jar "$jar" 'CudaBandwidthBenchmark.hostToDevice$' \
    -p sizeMiB="$sizes" -p source=pooled-pinned,heap-array,direct-buffer \
    -f 1 -wi 2 -w 1s -i 3 -r 1s -foe true -rf json -rff "$results"

echo
echo "gpu-check: host-to-device cudaMemcpy (us per copy; GB/s from CUDA events; pageable = heap-array, direct-buffer)"
java -cp "$jar" dev.pinnedmemory.benchmarks.report.CudaReport "$results"
