#!/usr/bin/env bash
# GPU check on a machine that has a JDK 25 and Maven access as well as a GPU: builds the bundle
# (benchmarks/gpu-bundle.sh), unpacks it and runs it, exactly as on a machine with only the driver.
# Where there is no JDK, build the bundle elsewhere and copy benchmarks/target/gpu-check.tar.gz over:
#   tar xzf gpu-check.tar.gz && gpu-check/run.sh OUT_DIR
# Without a usable CUDA device the check says why ("no CUDA device: ...") and exits 0, or 4 with
# GPU_CHECK_REQUIRE_DEVICE=1. Its exit status is this script's.
#
# Usage: benchmarks/gpu-check.sh [OUT_DIR]   (default benchmarks/target/gpu-check-out)
#   GPU_CHECK_REQUIRE_DEVICE=1                    "no CUDA device" is a failure (exit 4)
#   GPU_CHECK_PYTHON=/path/to/python3             the interpreter with torch for the PyTorch peer
#   GPU_CHECK_JAVA_OPTS="-Dgpucheck.sizesGib=1"   options for the check's JVM (see benchmarks/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-benchmarks/target/gpu-check-out}"
benchmarks/gpu-bundle.sh
unpacked="$(mktemp -d -t gpu-check-XXXXXX)"
trap 'rm -rf "$unpacked"' EXIT
tar -xzf benchmarks/target/gpu-check.tar.gz -C "$unpacked"
mkdir -p "$out"
status=0
sh "$unpacked/gpu-check/run.sh" "$out" || status=$?
echo "gpu-check: report in $out/gpu-check.txt and $out/gpu-check.json (exit $status)"
exit "$status"
