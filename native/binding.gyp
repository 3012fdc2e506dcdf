# node-gyp build of the dsa110_native addon. Node-API only (NAPI_VERSION 8, no V8 headers used),
# so the one binary loads in Node and in Electron. C++ exceptions on: C++ errors become JS Errors.
# No -march=native: the binary must run on any x86-64 / arm64 machine it is shipped to.
{
  "targets": [
    {
      "target_name": "dsa110_native",
      "sources": [
        "src/addon.cc",
        "src/bindings/fft_predict.cc",
        "src/bindings/calib_flag.cc",
        "src/bindings/imaging.cc",
        "src/bindings/mosaic.cc",
        "src/bindings/convert.cc",
        "src/fft/fft2d.cc",
        "src/predict/predict.cc",
        "src/predict/simvis.cc",
        "src/calib/solve.cc",
        "src/flag/flag.cc",
        "src/gridder/kernel.cc",
        "src/gridder/wgridder.cc",
        "src/gridder/plan.cc",
        "src/gridder/plane_fft.cc",
        "src/gridder/grid.cc",
        "src/gridder/degrid.cc",
        "src/gridder/residual.cc",
        "src/deconv/hogbom.cc",
        "src/reproject/reproject.cc",
        "src/convert/convert.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "src"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions", "-O2", "-Os"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20", "-O2", "-Os"],
      "cflags": ["-O3"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }],
        ["OS=='win'", {
          "defines": ["_HAS_EXCEPTIONS=1", "NOMINMAX"],
          "msvs_settings": {
            "VCCLCompilerTool": { "ExceptionHandling": 1, "Optimization": 2, "AdditionalOptions": ["/std:c++17"] }
          }
        }]
      ]
    }
  ]
}
