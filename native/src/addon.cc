// Node-API module of the dsa110_native addon. The bindings (argument checking and conversion
// only) live in bindings/, one file per area (calib_flag, convert, fft_predict, imaging, mosaic),
// each covering one or more kernel folders; the kernels live one folder per algorithm.
#include <napi.h>

#include "bindings/args.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  dsa110::bind::register_fft_predict(env, exports);
  dsa110::bind::register_calib_flag(env, exports);
  dsa110::bind::register_imaging(env, exports);
  dsa110::bind::register_mosaic(env, exports);
  dsa110::bind::register_convert(env, exports);
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  exports.Set("maxThreads", Napi::Number::New(env, dsa110::bind::kMaxThreads));
  return exports;
}

}  // namespace

NODE_API_MODULE(dsa110_native, Init)
