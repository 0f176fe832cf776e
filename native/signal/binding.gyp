# celm_signal: the preprocessing's hot kernels in C (FFT, overlap-save filter, polyphase resampler,
# Welch), bit-identical to the JavaScript (see the header of celm_signal.c). Needs only a C compiler
# and Node's headers, not libtorch. Build: npm run build:native (or: cd native/signal && node-gyp rebuild).
{
  "targets": [
    {
      "target_name": "celm_signal",
      "sources": ["celm_signal.c"],
      "defines": ["NAPI_VERSION=8"],
      # -ffp-contract=off: no fused multiply-add (JavaScript rounds every product); never -ffast-math.
      "cflags": ["-std=gnu11", "-O3", "-ffp-contract=off", "-fno-fast-math", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lm"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-ffp-contract=off", "-fno-fast-math"]
      }
    }
  ]
}
