#!/usr/bin/env bash
# Builds benchmarks/target/gpu-check.tar.gz (at most 48 MiB): a jlinked Java runtime with only the modules
# the check needs, the library, JCuda with its linux-x86_64 natives (without the PTX compiler and NVRTC,
# which the check never loads), the gpu-tagged tests of core with JUnit's console launcher, the GPU check
# (dev.pinnedmemory.benchmarks.gpu.GpuCheck: tests, bandwidth, warm-up, PyTorch in the same run) and
# gpu-check/run.sh; the JCuda natives also unpacked into natives/, which run.sh puts on java.library.path.
# On the GPU machine, with nothing but /bin/sh, tar and the NVIDIA driver:
#   tar xzf gpu-check.tar.gz && gpu-check/run.sh "$OUT"
#
# Usage (from the repository root): benchmarks/gpu-bundle.sh [--no-build]
#   --no-build   use what the last Maven package/verify left in target/ (CI does, after ./mvnw verify)
set -euo pipefail
cd "$(dirname "$0")/.."

limit_bytes=$((48 * 1024 * 1024))
build=1
for argument in "$@"; do
  case "$argument" in
    --no-build) build=0 ;;
    *) echo "usage: benchmarks/gpu-bundle.sh [--no-build]" >&2; exit 2 ;;
  esac
done

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
  echo "gpu-bundle: no JDK 25 found under /usr/lib/jvm; install Temurin 25 and set JAVA_HOME" >&2
  exit 1
fi
bin="$JAVA_HOME/bin"

if (( build )); then
  echo "gpu-bundle: building core and the benchmarks (tests compiled, not run)"
  ./mvnw -B -ntp -q -DskipTests -DskipLincheck -pl benchmarks -am package
fi
jars=benchmarks/target/gpu-check
for needed in "$jars/lib/pinned-memory-core.jar" "$jars/lib/jcuda-natives-linux-x86_64.jar" \
              "$jars/test-lib/junit-platform-console-standalone.jar" benchmarks/target/classes/dev/pinnedmemory/benchmarks/gpu \
              core/target/test-classes/dev/pinnedmemory; do
  if [[ ! -e "$needed" ]]; then
    echo "gpu-bundle: $needed is missing; run without --no-build (or ./mvnw verify) first" >&2
    exit 1
  fi
done

work=benchmarks/target/gpu-bundle
stage="$work/gpu-check"
rm -rf "$work"
mkdir -p "$stage/lib" "$stage/test-lib" "$stage/tests" "$work/natives"

cp "$jars/lib/pinned-memory-core.jar" "$jars/lib/jcuda.jar" "$jars/lib/jspecify.jar" "$stage/lib/"
cp "$jars"/test-lib/*.jar "$stage/test-lib/"
(cd "$work/natives" && "$bin/jar" xf "$OLDPWD/$jars/lib/jcuda-natives-linux-x86_64.jar")
rm -f "$work"/natives/lib/libJNvPTXCompiler-* "$work"/natives/lib/libJNvrtc-*
"$bin/jar" --create --file "$stage/lib/jcuda-natives-linux-x86_64.jar" -C "$work/natives" lib
# Unpacked too: run.sh puts natives/ on java.library.path, so JCuda loads them in place instead of extracting
# them into a tmpdir that may be noexec or hold a stale copy (the jar stays as JCuda's fallback).
mkdir -p "$stage/natives"
cp "$work"/natives/lib/*.so "$stage/natives/"
"$bin/jar" --create --file "$stage/lib/pinned-memory-gpu-check.jar" -C benchmarks/target/classes dev/pinnedmemory/benchmarks/gpu

# The gpu-tagged test classes of core, with their nested and lambda classes.
grep -rl --include='*.java' '@Tag("gpu")' core/src/test/java | sort | while read -r source; do
  relative="${source#core/src/test/java/}"
  relative="${relative%.java}"
  mkdir -p "$stage/tests/$(dirname "$relative")"
  cp core/target/test-classes/"$relative".class "$stage/tests/$(dirname "$relative")/"
  find core/target/test-classes/"$(dirname "$relative")" -maxdepth 1 -name "$(basename "$relative")\$*.class" \
      -exec cp {} "$stage/tests/$(dirname "$relative")/" \;
done
test_count=$(find "$stage/tests" -name '*Tests.class' | wc -l)

# Only the modules the check needs; java.logging carries System.Logger to JUL, as under Maven.
# jdeps may warn (split packages) before its answer, the last line.
modules=$("$bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
    "$stage"/lib/*.jar "$stage"/test-lib/*.jar "$stage/tests" 2>/dev/null | tail -n 1 || true)
if [[ ! "$modules" =~ ^java\.base(,[a-z.]+)*$ ]]; then
  echo "gpu-bundle: jdeps gave no module list ('$modules'); using the fixed one"
  modules="java.base,java.management,java.sql,jdk.jfr"
fi
modules="$modules,java.logging"
"$bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
    --output "$stage/runtime"

cp benchmarks/gpu-check/run.sh benchmarks/gpu-check/torch_peer.py "$stage/"
chmod +x "$stage/run.sh"
{
  echo "pinned-memory GPU check, built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "run: tar xzf gpu-check.tar.gz && gpu-check/run.sh OUT_DIR"
  echo "runtime modules: $modules"
  echo "gpu test classes: $test_count"
} > "$stage/BUILD.txt"

tarball=benchmarks/target/gpu-check.tar.gz
tar -C "$work" --owner=0 --group=0 --numeric-owner -cf - gpu-check | gzip -9 > "$tarball"
size=$(stat -c %s "$tarball")
echo "gpu-bundle: $tarball, $((size / 1024 / 1024)) MiB ($size bytes), $test_count gpu test classes, runtime modules $modules"
if (( size > limit_bytes )); then
  echo "gpu-bundle: $tarball is $size bytes, over the limit of $limit_bytes (48 MiB)" >&2
  exit 1
fi
