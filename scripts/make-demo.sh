#!/bin/sh
# Rebuilds the bundled demo (data/demo): one 20-minute routine EEG at 200 Hz with left temporal sharp
# waves, intermittent left temporal slowing and a normal 10.1 Hz posterior dominant rhythm, its report,
# canonical sections and ground truth. Deterministic: the same command gives the same bytes.
# Seed 193 was chosen (with the flags below) for that combination of findings.
set -eu
cd "$(dirname "$0")/.."
[ -f dist/src/cli/main.js ] || npx tsc -p tsconfig.json
rm -rf data/demo
node bin/celm.js synth --count 1 --out data/demo --seed 193 --duration 20m \
  --profile focal-epilepsy --focus left:temporal --sample-rate 200 --site A --single-recording --quiet
