#!/bin/sh
# Builds celm's native addons (npm run build:native; node-gyp comes with npm and is on PATH in npm scripts):
#   native/signal  celm_signal: C kernels of the preprocessing (FFT filter, resampler, Welch). Needs only a C
#                  compiler and Node's headers; without it `celm preprocess` runs the same code in JavaScript
#                  (same bytes, about 2x slower). docs/preprocessing.md.
#   native         celm_torch: the libtorch training backend. Needs libtorch-dev, skipped without its headers
#                  (the model training tests then skip). docs/ml-runtime.md.
# Each is built on its own, so one failing does not stop the other; exits 1 if any attempted build failed.
# `sh scripts/build-native.sh signal` builds only the signal addon (a few seconds).
set -u
cd "$(dirname "$0")/.."
status=0
if ! (cd native/signal && node-gyp rebuild -j 2); then
  echo "warning: the native signal addon did not build; celm preprocess will use its JavaScript kernels" >&2
  status=1
fi
if [ "${1:-all}" != signal ]; then
  if [ -f /usr/include/torch/csrc/api/include/torch/torch.h ]; then
    if ! (cd native && node-gyp rebuild -j 2); then
      echo "warning: the libtorch addon did not build; model training tests will skip" >&2
      status=1
    fi
  else
    echo "note: libtorch-dev is not installed: not building the libtorch addon (native/build)" >&2
  fi
fi
exit $status
