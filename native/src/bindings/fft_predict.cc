// Bindings of fft/ (fft2d) and predict/ (predictPoints).
#include "bindings/args.h"

#include "fft/fft2d.h"
#include "predict/predict.h"

namespace dsa110::bind {
namespace {

// fft2d(data: Float32Array | Float64Array, nx, ny, inverse: boolean, threads): undefined.
// In place on interleaved complex data, ny rows of nx (see fft/fft2d.h for the convention).
Napi::Value Fft2d(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray())
    throw Napi::TypeError::New(env, "dsa110_native.fft2d: argument 'data' must be a Float32Array or Float64Array");
  const Napi::TypedArray arr = info[0].As<Napi::TypedArray>();
  const napi_typedarray_type type = arr.TypedArrayType();
  if (type != napi_float32_array && type != napi_float64_array)
    throw Napi::TypeError::New(env, "dsa110_native.fft2d: argument 'data' must be a Float32Array or Float64Array");
  // 2^31 per axis keeps 2*nx*ny far from size_t overflow and is beyond any image we make.
  const std::size_t nx = whole_number(info, 1, "fft2d", "nx", 1, 2147483648.0);
  const std::size_t ny = whole_number(info, 2, "fft2d", "ny", 1, 2147483648.0);
  if (info.Length() < 4 || !info[3].IsBoolean())
    throw Napi::TypeError::New(env, "dsa110_native.fft2d: argument 'inverse' must be a boolean");
  const bool inverse = info[3].As<Napi::Boolean>().Value();
  const auto threads = static_cast<unsigned>(whole_number(info, 4, "fft2d", "threads", 1, kMaxThreads));
  const std::size_t expected = 2 * nx * ny;
  if (arr.ElementLength() != expected)
    throw Napi::RangeError::New(env, "dsa110_native.fft2d: argument 'data' has " +
                                         std::to_string(arr.ElementLength()) + " elements but 2*nx*ny = 2*" +
                                         std::to_string(nx) + "*" + std::to_string(ny) + " = " +
                                         std::to_string(expected) + " were expected (interleaved re, im)");
  try {
    if (type == napi_float32_array) {
      dsa110::fft::fft2d(arr.As<Napi::Float32Array>().Data(), nx, ny, inverse, threads);
    } else {
      dsa110::fft::fft2d(arr.As<Napi::Float64Array>().Data(), nx, ny, inverse, threads);
    }
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    // bad_alloc and the kernel's own checks: keep the C++ message for the JS caller.
    throw Napi::Error::New(env, std::string("dsa110_native.fft2d: ") + e.what());
  }
  return env.Undefined();
}

// predictPoints(uvw, freqs, lmn1, amp, out, channelWidthHz, threads): adds the point-source
// sum to out (nbl x nchan interleaved complex). See predict/predict.h for the convention.
Napi::Value PredictPoints(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "predictPoints";
  const Napi::Float64Array uvw = float64_arg(info, 0, fn, "uvw");
  const Napi::Float64Array freqs = float64_arg(info, 1, fn, "freqs");
  const Napi::Float64Array lmn1 = float64_arg(info, 2, fn, "lmn1");
  const Napi::Float64Array amp = float64_arg(info, 3, fn, "amp");
  Napi::Float64Array out = float64_arg(info, 4, fn, "out");
  if (info.Length() <= 5 || !info[5].IsNumber())
    throw Napi::TypeError::New(env, "dsa110_native.predictPoints: argument 'channelWidthHz' must be a number");
  const double width = info[5].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(width) || width < 0)
    throw Napi::RangeError::New(env, "dsa110_native.predictPoints: argument 'channelWidthHz' must be >= 0 (0 disables smearing), got " + format_number(width));
  const auto threads = static_cast<unsigned>(whole_number(info, 6, fn, "threads", 1, kMaxThreads));
  if (uvw.ElementLength() % 3 != 0)
    throw Napi::RangeError::New(env, "dsa110_native.predictPoints: argument 'uvw' must hold nbl x 3 values, got " + std::to_string(uvw.ElementLength()));
  if (lmn1.ElementLength() % 3 != 0)
    throw Napi::RangeError::New(env, "dsa110_native.predictPoints: argument 'lmn1' must hold nsources x 3 values (l, m, n - 1), got " + std::to_string(lmn1.ElementLength()));
  const std::size_t nbl = uvw.ElementLength() / 3;
  const std::size_t nchan = freqs.ElementLength();
  const std::size_t nsrc = lmn1.ElementLength() / 3;
  if (amp.ElementLength() != nsrc * nchan)
    throw Napi::RangeError::New(env, "dsa110_native.predictPoints: argument 'amp' has " + std::to_string(amp.ElementLength()) +
                                         " values but nsources x nchan = " + std::to_string(nsrc) + " x " + std::to_string(nchan) + " were expected");
  if (out.ElementLength() != 2 * nbl * nchan)
    throw Napi::RangeError::New(env, "dsa110_native.predictPoints: argument 'out' has " + std::to_string(out.ElementLength()) +
                                         " values but 2 x nbl x nchan = 2 x " + std::to_string(nbl) + " x " + std::to_string(nchan) + " were expected");
  try {
    dsa110::predict::predict_points(uvw.Data(), nbl, freqs.Data(), nchan,
                                    dsa110::predict::PointSources{nsrc, lmn1.Data(), amp.Data()}, width, out.Data(), threads);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("dsa110_native.predictPoints: ") + e.what());
  }
  return env.Undefined();
}

}  // namespace

void register_fft_predict(Napi::Env env, Napi::Object exports) {
  exports.Set("fft2d", Napi::Function::New(env, Fft2d, "fft2d"));
  exports.Set("predictPoints", Napi::Function::New(env, PredictPoints, "predictPoints"));
}

}  // namespace dsa110::bind
