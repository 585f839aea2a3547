#!/usr/bin/env bash
# One prepared run on the GPU machine (docs/measurements/h200-2026-12-04.md says how .gpu/ is made): environment, bench with the CUDA peers, then the test suite
# and every section at paper scale in parallel, until a deadline; results tarred under $OUT.
set -u
cd "$(dirname "$0")/.."
T0=$(date +%s)
DEADLINE=${DEADLINE:-530}
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
LOG="$OUT/run.log"
log() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$LOG"; }
left() { echo $((DEADLINE - ($(date +%s) - T0))); }

xz -dc .gpu/deno.xz >/tmp/deno && chmod +x /tmp/deno
export PATH=/tmp:$PATH
for f in .gpu/*.deb; do dpkg -x "$f" /; done
ldconfig
tar -C /tmp -xJf .gpu/denodir.tar.xz
export DENO_DIR=/tmp/gpudenodir
export XDG_RUNTIME_DIR=$(mktemp -d) && chmod 700 "$XDG_RUNTIME_DIR"
export NO_COLOR=1 PYTHONUNBUFFERED=1
log "setup done; deno $(deno --version | head -1)"
{
  nvidia-smi
  lscpu | grep -E 'Model name|^CPU\(s\)|Flags' | cut -c1-300
  python3 -c 'import torch, jax; print("torch", torch.__version__, torch.cuda.is_available(), "jax", jax.__version__, jax.devices())' 2>&1
} >"$OUT/env.txt" 2>&1
probe='const a = await navigator.gpu.requestAdapter(); console.log(a ? JSON.stringify({info: {vendor: a.info.vendor, architecture: a.info.architecture, device: a.info.device, description: a.info.description}, features: [...a.features].length, limits: {wgStorage: a.limits.maxComputeWorkgroupStorageSize, invocations: a.limits.maxComputeInvocationsPerWorkgroup, storageBuffers: a.limits.maxStorageBuffersPerShaderStage, maxBuffer: a.limits.maxBufferSize, binding: a.limits.maxStorageBufferBindingSize}}) : "NO ADAPTER")'
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
adapter=$(deno eval "$probe" 2>&1 | tail -1)
log "adapter: $adapter"
echo "adapter: $adapter" >>"$OUT/env.txt"

deno install --frozen --cached-only >/dev/null 2>&1 || log "deno install --cached-only failed"
log "bench start"
PEER_DEVICE=cuda timeout "${BENCH_TIMEOUT:-170}" deno task bench --backend webgpu --runs 3 --compare >"$OUT/bench.txt" 2>&1
log "bench rc=$?"

mkdir -p /tmp/paper/logs
log "tests and paper-scale sections start"
(timeout "$(left)" deno task test >"$OUT/test.log" 2>&1; echo "rc=$? at $(($(date +%s) - T0))s" >>"$OUT/test.log") &
for s in intro basic phase geometry nonuniform correlated dynamics adversarial privileged computation l1 double-descent sae; do
  (
    start=$(date +%s)
    timeout "$(left)" deno task "$s" --scale paper --out /tmp/paper >"/tmp/paper/logs/$s.log" 2>&1
    echo "rc=$? wall=$(($(date +%s) - start))s" >>"/tmp/paper/logs/$s.log"
  ) &
done
wait
log "all done or timed out"
for f in /tmp/paper/logs/*.log; do echo "== $(basename "$f"): $(grep -E 'checks pass|rc=' "$f" | tr '\n' ' ')"; done >>"$LOG"
tail -3 "$OUT/test.log" >>"$LOG"
(cd /tmp/paper && tar -czf "$OUT/paper.tar.gz" --exclude=.cache --exclude='*.svg' .)
ls -la "$OUT" >>"$LOG"
cat "$LOG"
