#!/usr/bin/env bash
# Reproduces docs/ml-runtime.md's table: libtorch at 1 and 2 threads (3 runs each, interleaved, so
# load from other processes hits both alike), then the tfjs-wasm baseline, then the summary.
#   apt-get install -y libtorch-dev && npm run build:native && npx tsc -p .
#   npm install --prefix /tmp/celm-ml-bench --ignore-scripts @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
#   bash bench/ml-runtime/run.sh            (RUNS=3 REPS=7; SKIP_TFJS=1 to leave the baseline out; TAG=x)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out/ml-runtime${TAG:+-$TAG}   # TAG=name keeps earlier results
mkdir -p "$out"
runs=${RUNS:-3}
reps=${REPS:-7}
log="$out/results.jsonl"
: > "$log"
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/run.log"
for r in $(seq "$runs"); do
  for th in 1 2 2/1; do # 2/1: 2 libtorch (OpenMP) threads, 1 OpenBLAS thread
    echo "## torch run $r threads $th (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$out/run.log"
    node dist/bench/ml-runtime/torch-bench.js --threads "${th%/*}" --blas-threads "${th#*/}" --reps "$reps" | tee -a "$out/run.log" |
      sed -n 's/^JSON //p' | sed "s/^{/{\"run\":$r,\"name\":\"torch\",/" >> "$log"
  done
done
if [ -z "${SKIP_TFJS:-}" ]; then
  echo "## tfjs-wasm (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$out/run.log"
  node bench/ml-runtime/tfjs-wasm-bench.mjs --reps 3 | tee -a "$out/run.log" |
    sed -n 's/^JSON //p' | sed 's/^{/{"run":1,"name":"tfjs-wasm","threads":1,/' >> "$log"
fi
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/run.log"
node bench/ml-runtime/summarize.mjs "$log" | tee "$out/summary.md"
