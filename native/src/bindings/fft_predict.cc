// Bindings of fft/ (fft2d) and predict/ (predictPoints, simulateVisibilities).
#include "bindings/args.h"

#include "fft/fft2d.h"
#include "predict/predict.h"
#include "predict/simvis.h"

namespace dsa110::bind {
namespace {

// fft2d(data: Float32Array | Float64Array, nx, ny, inverse: boolean, threads): undefined.
// In place on interleaved complex data, ny rows of nx (see fft/fft2d.h for the convention).
Napi::Value Fft2d(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray())
    throw Napi::TypeError::New(
        env, "dsa110_native.fft2d: argument 'data' must be a Float32Array or Float64Array");
  const Napi::TypedArray arr = info[0].As<Napi::TypedArray>();
  const napi_typedarray_type type = arr.TypedArrayType();
  if (type != napi_float32_array && type != napi_float64_array)
    throw Napi::TypeError::New(
        env, "dsa110_native.fft2d: argument 'data' must be a Float32Array or Float64Array");
  // 2^31 per axis keeps 2*nx*ny far from size_t overflow and is beyond any image we make.
  const std::size_t nx = whole_number(info, 1, "fft2d", "nx", 1, 2147483648.0);
  const std::size_t ny = whole_number(info, 2, "fft2d", "ny", 1, 2147483648.0);
  if (info.Length() < 4 || !info[3].IsBoolean())
    throw Napi::TypeError::New(env, "dsa110_native.fft2d: argument 'inverse' must be a boolean");
  const bool inverse = info[3].As<Napi::Boolean>().Value();
  const auto threads =
      static_cast<unsigned>(whole_number(info, 4, "fft2d", "threads", 1, kMaxThreads));
  const std::size_t expected = 2 * nx * ny;
  if (arr.ElementLength() != expected)
    throw Napi::RangeError::New(
        env, "dsa110_native.fft2d: argument 'data' has " + std::to_string(arr.ElementLength()) +
                 " elements but 2*nx*ny = 2*" + std::to_string(nx) + "*" + std::to_string(ny) +
                 " = " + std::to_string(expected) + " were expected (interleaved re, im)");
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
    throw Napi::TypeError::New(
        env, "dsa110_native.predictPoints: argument 'channelWidthHz' must be a number");
  const double width = info[5].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(width) || width < 0)
    throw Napi::RangeError::New(env,
                                "dsa110_native.predictPoints: argument 'channelWidthHz' must be >= "
                                "0 (0 disables smearing), got " +
                                    format_number(width));
  const auto threads = static_cast<unsigned>(whole_number(info, 6, fn, "threads", 1, kMaxThreads));
  if (uvw.ElementLength() % 3 != 0)
    throw Napi::RangeError::New(
        env, "dsa110_native.predictPoints: argument 'uvw' must hold nbl x 3 values, got " +
                 std::to_string(uvw.ElementLength()));
  if (lmn1.ElementLength() % 3 != 0)
    throw Napi::RangeError::New(env,
                                "dsa110_native.predictPoints: argument 'lmn1' must hold nsources x "
                                "3 values (l, m, n - 1), got " +
                                    std::to_string(lmn1.ElementLength()));
  const std::size_t nbl = uvw.ElementLength() / 3;
  const std::size_t nchan = freqs.ElementLength();
  const std::size_t nsrc = lmn1.ElementLength() / 3;
  if (amp.ElementLength() != nsrc * nchan)
    throw Napi::RangeError::New(env, "dsa110_native.predictPoints: argument 'amp' has " +
                                         std::to_string(amp.ElementLength()) +
                                         " values but nsources x nchan = " + std::to_string(nsrc) +
                                         " x " + std::to_string(nchan) + " were expected");
  if (out.ElementLength() != 2 * nbl * nchan)
    throw Napi::RangeError::New(
        env, "dsa110_native.predictPoints: argument 'out' has " +
                 std::to_string(out.ElementLength()) + " values but 2 x nbl x nchan = 2 x " +
                 std::to_string(nbl) + " x " + std::to_string(nchan) + " were expected");
  try {
    dsa110::predict::predict_points(uvw.Data(), nbl, freqs.Data(), nchan,
                                    dsa110::predict::PointSources{nsrc, lmn1.Data(), amp.Data()},
                                    width, out.Data(), threads);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("dsa110_native.predictPoints: ") + e.what());
  }
  return env.Undefined();
}

// simulateVisibilities(input, vis: Float32Array, flags: Uint8Array, threads): boolean. The
// simulator's fused sky + noise + corruption pass (predict/simvis.h); returns true when the
// antenna-factorised predictor ran.
Napi::Value SimulateVisibilities(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "simulateVisibilities";
  const Napi::Object o = object_arg(info, 0, fn, "input");
  const std::string where = std::string(fn) + ".input";
  const auto uvw = typed_prop<double>(o, "uvw", where);
  const auto ant1 = typed_prop<std::int32_t>(o, "ant1", where);
  const auto ant2 = typed_prop<std::int32_t>(o, "ant2", where);
  const auto freqs = typed_prop<double>(o, "freqs", where);
  const auto offs = typed_prop<std::int32_t>(o, "srcOffsets", where);
  const auto lmn1 = typed_prop<double>(o, "lmn1", where);
  const auto amp = typed_prop<double>(o, "amp", where);
  const auto gains = typed_prop<double>(o, "gains", where);
  const auto bandpass = typed_prop<double>(o, "bandpass", where);
  const auto dead = typed_prop<std::uint8_t>(o, "dead", where);
  const auto chanFlag = typed_prop<std::uint8_t>(o, "chanFlag", where);
  const auto autoPower = typed_prop<double>(o, "autoPower", where);
  const auto rfiAmp = typed_prop<double>(o, "rfiAmp", where, true);
  const auto rfiPhase = typed_prop<double>(o, "rfiPhase", where, true);
  const auto keys = typed_prop<std::int32_t>(o, "noiseKeys", where);
  dsa110::predict::SimVisInput in;
  in.nsub = static_cast<std::size_t>(number_prop(o, "nsub", where, 1, kMaxDim, true, 0, false));
  in.sigma = number_prop(o, "sigma", where, 0, 1e300, false, 0, false);
  in.auto_sigma_scale = number_prop(o, "autoSigmaScale", where, 0, 1e300, false, 0, false);
  in.channel_width_hz = number_prop(o, "channelWidthHz", where, 0, 1e300, false, 0, true);
  if (uvw.length % 3 != 0)
    throw Napi::RangeError::New(env, "dsa110_native." + where +
                                         ".uvw must hold nbl x 3 values, got " +
                                         std::to_string(uvw.length));
  in.nbl = uvw.length / 3;
  in.nant = dead.length;
  in.nchan = freqs.length;
  if (offs.length < 1)
    throw Napi::RangeError::New(
        env, "dsa110_native." + where + ".srcOffsets must hold ntimes + 1 values");
  in.ntimes = offs.length - 1;
  const std::size_t nsrc = lmn1.length / 3;
  if (lmn1.length % 3 != 0)
    throw Napi::RangeError::New(env, "dsa110_native." + where +
                                         ".lmn1 must hold nsources x 3 values, got " +
                                         std::to_string(lmn1.length));
  if (offs.data[0] != 0 || static_cast<std::size_t>(offs.data[in.ntimes]) != nsrc)
    throw Napi::RangeError::New(
        env, "dsa110_native." + where +
                 ".srcOffsets must run from 0 to nsources = " + std::to_string(nsrc));
  for (std::size_t t = 0; t < in.ntimes; ++t)
    if (offs.data[t + 1] < offs.data[t])
      throw Napi::RangeError::New(env, "dsa110_native." + where +
                                           ".srcOffsets must not decrease (index " +
                                           std::to_string(t + 1) + ")");
  if (in.nchan % in.nsub != 0)
    throw Napi::RangeError::New(
        env, "dsa110_native." + where + ".freqs: " + std::to_string(in.nchan) +
                 " channels do not split into nsub = " + std::to_string(in.nsub) + " subbands");
  expect_length(env, ant1.length, in.nbl, where + ".ant1", "nbl");
  expect_length(env, ant2.length, in.nbl, where + ".ant2", "nbl");
  expect_length(env, amp.length, nsrc * in.nchan, where + ".amp", "nsources x nchan");
  expect_length(env, gains.length, in.ntimes * in.nant * 4, where + ".gains",
                "ntimes x nant x 2 pols x 2");
  expect_length(env, bandpass.length, in.nant * in.nchan * 4, where + ".bandpass",
                "nant x 2 pols x nchan x 2");
  expect_length(env, chanFlag.length, in.nchan, where + ".chanFlag", "nchan");
  expect_length(env, autoPower.length, in.ntimes, where + ".autoPower", "ntimes");
  expect_length(env, keys.length, in.nsub, where + ".noiseKeys", "nsub");
  if (rfiAmp.data)
    expect_length(env, rfiAmp.length, in.ntimes * in.nchan, where + ".rfiAmp", "ntimes x nchan");
  if (rfiPhase.data) expect_length(env, rfiPhase.length, in.nbl, where + ".rfiPhase", "nbl");
  if ((rfiAmp.data == nullptr) != (rfiPhase.data == nullptr))
    throw Napi::TypeError::New(
        env, "dsa110_native." + where + ": rfiAmp and rfiPhase must both be given or both be null");
  if (info.Length() < 2 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(
        env, "dsa110_native.simulateVisibilities: argument 'vis' must be a Float32Array");
  if (info.Length() < 3 || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(
        env, "dsa110_native.simulateVisibilities: argument 'flags' must be a Uint8Array");
  Napi::Float32Array vis = info[1].As<Napi::Float32Array>();
  Napi::Uint8Array flags = info[2].As<Napi::Uint8Array>();
  const auto threads = static_cast<unsigned>(whole_number(info, 3, fn, "threads", 1, kMaxThreads));
  const std::size_t samples = in.ntimes * in.nbl * in.nchan * 2;
  expect_length(env, vis.ElementLength(), 2 * samples, std::string(fn) + ".vis",
                "ntimes x nbl x nchan x 2 pols x 2");
  expect_length(env, flags.ElementLength(), samples, std::string(fn) + ".flags",
                "ntimes x nbl x nchan x 2 pols");
  in.uvw = uvw.data;
  in.ant1 = ant1.data;
  in.ant2 = ant2.data;
  in.freqs = freqs.data;
  in.src_offsets = offs.data;
  in.lmn1 = lmn1.data;
  in.amp = amp.data;
  in.gains = gains.data;
  in.bandpass = bandpass.data;
  in.dead = dead.data;
  in.chan_flag = chanFlag.data;
  in.auto_power = autoPower.data;
  in.rfi_amp = rfiAmp.data;
  in.rfi_phase = rfiPhase.data;
  in.noise_keys = reinterpret_cast<const std::uint32_t*>(keys.data);
  const bool factorised = kernel_call(env, fn, [&] {
    return dsa110::predict::simulate_visibilities(in, vis.Data(), flags.Data(), threads);
  });
  return Napi::Boolean::New(env, factorised);
}

}  // namespace

void register_fft_predict(Napi::Env env, Napi::Object exports) {
  exports.Set("fft2d", Napi::Function::New(env, Fft2d, "fft2d"));
  exports.Set("predictPoints", Napi::Function::New(env, PredictPoints, "predictPoints"));
  exports.Set("simulateVisibilities",
              Napi::Function::New(env, SimulateVisibilities, "simulateVisibilities"));
}

}  // namespace dsa110::bind
