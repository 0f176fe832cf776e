# libtorch N-API addon: the torch backend of src/model/runtime.
# Build: apt-get install -y libtorch-dev && (cd native && node-gyp rebuild)   (see docs/ml-runtime.md)
# node-gyp comes with npm: node /usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
{
  "targets": [
    {
      "target_name": "celm_torch",
      "sources": ["torch/celm_torch.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "/usr/include/torch/csrc/api/include"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-frtti", "-Wno-deprecated-declarations", "-Wno-unused-parameter"],
      "libraries": ["-ltorch", "-ltorch_cpu", "-lc10", "-lopenblas"]
    }
  ]
}
