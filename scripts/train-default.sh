#!/usr/bin/env bash
# Reproduces models/default from nothing but this repository: a synthetic corpus (celm synth), a
# benchmark built from it (celm dataset build: report structuring, patient-level splits,
# preprocessing), self-supervised encoder pretraining (celm pretrain), then the report model
# (celm train) and its findings calibration (celm calibrate), and copies the model folder's runtime
# files into models/default.
# Needs the libtorch addon (apt-get install libtorch-dev && npm run build:native).
# Every stage resumes where it stopped when the script is run again with the same WORK folder.
#   scripts/train-default.sh [WORK]        (default WORK=/tmp/celm-default; ~1 h on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/celm-default}
celm() { node bin/celm.js "$@"; }
[ -f dist/src/cli/main.js ] || npx tsc -p tsconfig.json
mkdir -p "$WORK"
celm synth --count 300 --out "$WORK/corpus" --seed 11 --duration 20m..40m --quiet
celm dataset build --source manifest "$WORK/corpus" --out "$WORK/bench" --split 85/15/0 --jobs 2 --quiet
celm pretrain --data "$WORK/bench/preprocessed" --out "$WORK/encoder" --config configs/encoder-default.json --threads 2
celm train --data "$WORK/bench" --encoder "$WORK/encoder" --out "$WORK/model" --config configs/report-default.json --threads 2
celm calibrate --data "$WORK/bench" --model "$WORK/model" --quiet
mkdir -p models/default
for f in model.json model.safetensors tokenizer.json encoder.safetensors encoder.json calibration.json lexicon.json phrases.json metrics.csv loss.png; do
  cp "$WORK/model/$f" "models/default/$f"
done
echo "models/default updated from $WORK/model"
