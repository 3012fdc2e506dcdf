// Bindings of gridder/ (ms2dirty, dirty2ms) and deconv/ (hogbomClean).
#include "bindings/args.h"

#include <vector>

#include "deconv/hogbom.h"
#include "gridder/wgridder.h"

namespace dsa110::bind {
namespace {

// ---- gridder/: ms2dirty (G^H, gridding) and dirty2ms (G, degridding); see gridder/wgridder.h ----

dsa110::gridder::Options gridder_options(const Napi::CallbackInfo& info, std::size_t index,
                                         const char* fn) {
  const Napi::Object o = object_arg(info, index, fn, "options");
  const std::string w = std::string(fn) + ": options";
  dsa110::gridder::Options opt;
  opt.nx = static_cast<std::size_t>(number_prop(o, "nx", w, 1, 1 << 20, true, 0, false));
  opt.ny = static_cast<std::size_t>(number_prop(o, "ny", w, 1, 1 << 20, true, 0, false));
  opt.pixel_l = number_prop(o, "pixelL", w, 1e-12, 1, false, 0, false);
  opt.pixel_m = number_prop(o, "pixelM", w, 1e-12, 1, false, 0, false);
  opt.epsilon = number_prop(o, "epsilon", w, 1e-13, 0.01, false, opt.epsilon, true);
  opt.sigma = number_prop(o, "sigma", w, 0, 4, false, 0, true);
  if (opt.sigma != 0 && opt.sigma < 1.2)
    throw Napi::RangeError::New(
        info.Env(), "dsa110_native." + w + ".sigma must be 0 (automatic) or in [1.2, 4], got " +
                        format_number(opt.sigma));
  opt.wgridding = bool_prop(o, "wgridding", w, true);
  opt.threads = static_cast<unsigned>(number_prop(o, "threads", w, 1, kMaxThreads, true, 1, true));
  opt.max_grid_bytes = static_cast<std::size_t>(
      number_prop(o, "maxGridBytes", w, 0, 9007199254740991.0, true, 0, true));
  opt.unit_vis = bool_prop(o, "unitVisibilities", w, false);
  opt.accumulate = bool_prop(o, "accumulate", w, false);
  opt.select_only = bool_prop(o, "selectOnly", w, false);
  opt.session =
      static_cast<std::uint32_t>(number_prop(o, "session", w, 0, 4294967295.0, true, 0, true));
  return opt;
}

Napi::Object gridder_info(Napi::Env env, const dsa110::gridder::Info& in) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("support", Napi::Number::New(env, in.support));
  out.Set("beta", Napi::Number::New(env, in.beta));
  out.Set("sigma", Napi::Number::New(env, in.sigma));
  out.Set("kernelError", Napi::Number::New(env, in.kernel_error));
  out.Set("nu", Napi::Number::New(env, static_cast<double>(in.nu)));
  out.Set("nv", Napi::Number::New(env, static_cast<double>(in.nv)));
  out.Set("nplanes", Napi::Number::New(env, static_cast<double>(in.nplanes)));
  out.Set("slots", Napi::Number::New(env, static_cast<double>(in.slots)));
  out.Set("wmin", Napi::Number::New(env, in.wmin));
  out.Set("wmax", Napi::Number::New(env, in.wmax));
  out.Set("dw", Napi::Number::New(env, in.dw));
  out.Set("nvis", Napi::Number::New(env, static_cast<double>(in.nvis)));
  out.Set("sumWeights", Napi::Number::New(env, in.sum_weights));
  return out;
}

// uvw (nrows x 3) and freqs, shared by both directions; checks the weights' length when given.
dsa110::gridder::Layout gridder_layout(const Napi::CallbackInfo& info, const char* fn,
                                       std::size_t weights_index, bool weights_optional) {
  const Napi::Env env = info.Env();
  const std::string f = std::string(fn) + ": argument ";
  auto arg = [&](std::size_t i) { return info.Length() > i ? info[i] : env.Undefined(); };
  const auto uvw = typed_value<double>(env, arg(0), f + "'uvw'", false);
  const auto freqs = typed_value<double>(env, arg(1), f + "'freqs'", false);
  if (uvw.length % 3 != 0)
    throw Napi::RangeError::New(env, "dsa110_native." + f +
                                         "'uvw' must hold nrows x 3 values (m), got " +
                                         std::to_string(uvw.length));
  if (freqs.length == 0)
    throw Napi::RangeError::New(
        env, "dsa110_native." + f + "'freqs' must hold at least one frequency (Hz)");
  const std::size_t nrows = uvw.length / 3;
  const auto weights =
      typed_value<float>(env, arg(weights_index), f + "'weights'", weights_optional);
  if (weights.data)
    expect_length(env, weights.length, nrows * freqs.length, f + "'weights'", "nrows x nchan");
  return dsa110::gridder::Layout{uvw.data, nrows, freqs.data, freqs.length, weights.data};
}

// Visibilities and image must both be Float32Array (float32 path) or both Float64Array.
bool gridder_is_double(const Napi::CallbackInfo& info, const char* fn, std::size_t vis_index,
                       std::size_t image_index, const char* vis_name, const char* image_name) {
  const Napi::Env env = info.Env();
  auto kind = [&](std::size_t i, const char* name) {
    if (info.Length() <= i || !info[i].IsTypedArray())
      throw Napi::TypeError::New(env, std::string("dsa110_native.") + fn + ": argument '" + name +
                                          "' must be a Float32Array or Float64Array");
    const napi_typedarray_type t = info[i].As<Napi::TypedArray>().TypedArrayType();
    if (t != napi_float32_array && t != napi_float64_array)
      throw Napi::TypeError::New(env, std::string("dsa110_native.") + fn + ": argument '" + name +
                                          "' must be a Float32Array or Float64Array");
    return t;
  };
  const napi_typedarray_type tv = kind(vis_index, vis_name), ti = kind(image_index, image_name);
  if (tv != ti)
    throw Napi::TypeError::New(
        env, std::string("dsa110_native.") + fn + ": arguments '" + vis_name + "' and '" +
                 image_name + "' must have the same type (both Float32Array or both Float64Array)");
  return tv == napi_float64_array;
}

template <typename T>
Napi::TypedArrayOf<T> gridder_array(const Napi::CallbackInfo& info, std::size_t i, std::size_t want,
                                    const char* fn, const char* name, const char* shape) {
  Napi::TypedArrayOf<T> a = info[i].As<Napi::TypedArrayOf<T>>();
  expect_length(info.Env(), a.ElementLength(), want, std::string(fn) + ": argument '" + name + "'",
                shape);
  return a;
}

// ms2dirty(uvw, freqs, vis, weights, dirty, options, psf?): dirty (ny x nx) = G^H(vis), and with
// psf (same type and size) also the PSF G^H(weights) in the same pass; returns the info.
Napi::Value Ms2Dirty(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "ms2dirty";
  const dsa110::gridder::Layout d = gridder_layout(info, fn, 3, false);
  const bool dbl = gridder_is_double(info, fn, 2, 4, "vis", "dirty");
  const dsa110::gridder::Options opt = gridder_options(info, 5, fn);
  const std::size_t nvis = 2 * d.nrows * d.nchan, npix = opt.nx * opt.ny;
  if (info.Length() > 6 && !info[6].IsUndefined() && !info[6].IsNull()) {
    if (gridder_is_double(info, fn, 6, 4, "psf", "dirty") != dbl)
      throw Napi::TypeError::New(
          env, "dsa110_native.ms2dirty: arguments 'psf' and 'dirty' must have the same type");
    if (opt.unit_vis)
      throw Napi::TypeError::New(env,
                                 "dsa110_native.ms2dirty: argument 'psf' cannot be combined with "
                                 "options.unitVisibilities");
    return gridder_info(
        env, kernel_call(env, fn, [&] {
          if (dbl)
            return dsa110::gridder::grid_with_psf<double>(
                d, gridder_array<double>(info, 2, nvis, fn, "vis", "2 x nrows x nchan").Data(), opt,
                gridder_array<double>(info, 4, npix, fn, "dirty", "nx x ny").Data(),
                gridder_array<double>(info, 6, npix, fn, "psf", "nx x ny").Data());
          return dsa110::gridder::grid_with_psf<float>(
              d, gridder_array<float>(info, 2, nvis, fn, "vis", "2 x nrows x nchan").Data(), opt,
              gridder_array<float>(info, 4, npix, fn, "dirty", "nx x ny").Data(),
              gridder_array<float>(info, 6, npix, fn, "psf", "nx x ny").Data());
        }));
  }
  const dsa110::gridder::Info in = kernel_call(env, fn, [&] {
    if (dbl)
      return dsa110::gridder::grid<double>(
          d, gridder_array<double>(info, 2, nvis, fn, "vis", "2 x nrows x nchan").Data(), opt,
          gridder_array<double>(info, 4, npix, fn, "dirty", "nx x ny").Data());
    return dsa110::gridder::grid<float>(
        d, gridder_array<float>(info, 2, nvis, fn, "vis", "2 x nrows x nchan").Data(), opt,
        gridder_array<float>(info, 4, npix, fn, "dirty", "nx x ny").Data());
  });
  return gridder_info(env, in);
}

// dirty2ms(uvw, freqs, image, weights | null, vis, options): vis = G(image) (overwritten, or added
// to with options.accumulate); returns the info.
Napi::Value Dirty2Ms(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "dirty2ms";
  const dsa110::gridder::Layout d = gridder_layout(info, fn, 3, true);
  const bool dbl = gridder_is_double(info, fn, 4, 2, "vis", "image");
  const dsa110::gridder::Options opt = gridder_options(info, 5, fn);
  const std::size_t nvis = 2 * d.nrows * d.nchan, npix = opt.nx * opt.ny;
  const dsa110::gridder::Info in = kernel_call(env, fn, [&] {
    if (dbl)
      return dsa110::gridder::degrid<double>(
          d, gridder_array<double>(info, 2, npix, fn, "image", "nx x ny").Data(), opt,
          gridder_array<double>(info, 4, nvis, fn, "vis", "2 x nrows x nchan").Data());
    return dsa110::gridder::degrid<float>(
        d, gridder_array<float>(info, 2, npix, fn, "image", "nx x ny").Data(), opt,
        gridder_array<float>(info, 4, nvis, fn, "vis", "2 x nrows x nchan").Data());
  });
  return gridder_info(env, in);
}

// ms2residual(uvw, freqs, image, weights, vis, dirty, options): vis += G(image) where the weight is
// nonzero, then dirty = G^H(weights * vis), in one pass (see gridder/wgridder.h); returns the info.
Napi::Value Ms2Residual(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "ms2residual";
  const dsa110::gridder::Layout d = gridder_layout(info, fn, 3, false);
  const bool dbl = gridder_is_double(info, fn, 4, 2, "vis", "image");
  if (gridder_is_double(info, fn, 4, 5, "vis", "dirty") != dbl)
    throw Napi::TypeError::New(
        env, "dsa110_native.ms2residual: arguments 'vis' and 'dirty' must have the same type");
  const dsa110::gridder::Options opt = gridder_options(info, 6, fn);
  const std::size_t nvis = 2 * d.nrows * d.nchan, npix = opt.nx * opt.ny;
  const dsa110::gridder::Info in = kernel_call(env, fn, [&] {
    if (dbl)
      return dsa110::gridder::residual<double>(
          d, gridder_array<double>(info, 2, npix, fn, "image", "nx x ny").Data(), opt,
          gridder_array<double>(info, 4, nvis, fn, "vis", "2 x nrows x nchan").Data(),
          gridder_array<double>(info, 5, npix, fn, "dirty", "nx x ny").Data());
    return dsa110::gridder::residual<float>(
        d, gridder_array<float>(info, 2, npix, fn, "image", "nx x ny").Data(), opt,
        gridder_array<float>(info, 4, nvis, fn, "vis", "2 x nrows x nchan").Data(),
        gridder_array<float>(info, 5, npix, fn, "dirty", "nx x ny").Data());
  });
  return gridder_info(env, in);
}

// gridderRelease(session): frees what a gridder session holds; returns whether there was one.
Napi::Value GridderRelease(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber())
    throw Napi::TypeError::New(
        env,
        "dsa110_native.gridderRelease: argument 'session' must be an integer in [1, 2^32 - 1]");
  const double id = info[0].As<Napi::Number>().DoubleValue();
  if (!(id >= 1 && id <= 4294967295.0) || id != static_cast<double>(static_cast<std::uint32_t>(id)))
    throw Napi::RangeError::New(env,
                                "dsa110_native.gridderRelease: argument 'session' must be an "
                                "integer in [1, 2^32 - 1], got " +
                                    format_number(id));
  return Napi::Boolean::New(env, dsa110::gridder::release_session(static_cast<std::uint32_t>(id)));
}

// ---- deconv/: hogbomClean (the minor cycle); see deconv/hogbom.h ----

// hogbomClean(residual, psf, mask | null, model, options): components into model, residual
// updated at the active pixels; returns { iterations, startPeak, finalPeak, activePixels, reason }.
Napi::Value HogbomClean(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "hogbomClean";
  const std::string f = std::string(fn) + ": argument ";
  auto arg = [&](std::size_t i) { return info.Length() > i ? info[i] : env.Undefined(); };
  const Napi::Object o = object_arg(info, 4, fn, "options");
  const std::string w = std::string(fn) + ": options";
  dsa110::deconv::CleanOptions opt;
  opt.nx = static_cast<std::size_t>(number_prop(o, "nx", w, 1, 1 << 20, true, 0, false));
  opt.ny = static_cast<std::size_t>(number_prop(o, "ny", w, 1, 1 << 20, true, 0, false));
  opt.gain = number_prop(o, "gain", w, 1e-6, 1, false, 0.1, true);
  opt.stop_level = number_prop(o, "stopLevel", w, 0, 1e30, false, 0, false);
  opt.max_iter = static_cast<std::size_t>(number_prop(o, "maxIter", w, 0, 1e12, true, 0, false));
  opt.active_fraction = number_prop(o, "activeFraction", w, 1e-6, 1, false, 0.5, true);
  opt.allow_negative = bool_prop(o, "allowNegative", w, true);
  opt.threads = static_cast<unsigned>(number_prop(o, "threads", w, 1, kMaxThreads, true, 1, true));
  const std::size_t npix = opt.nx * opt.ny;
  const auto residual = typed_value<float>(env, arg(0), f + "'residual'", false);
  expect_length(env, residual.length, npix, f + "'residual'", "nx x ny");
  const auto psf = typed_value<float>(env, arg(1), f + "'psf'", false);
  expect_length(env, psf.length, npix, f + "'psf'", "nx x ny");
  const auto mask = typed_value<std::uint8_t>(env, arg(2), f + "'mask'", true);
  if (mask.data) expect_length(env, mask.length, npix, f + "'mask'", "nx x ny");
  const auto model = typed_value<double>(env, arg(3), f + "'model'", false);
  expect_length(env, model.length, npix, f + "'model'", "nx x ny");
  const dsa110::deconv::CleanResult r = kernel_call(env, fn, [&] {
    return dsa110::deconv::hogbom(residual.data, psf.data, mask.data, model.data, opt);
  });
  Napi::Object out = Napi::Object::New(env);
  out.Set("iterations", Napi::Number::New(env, static_cast<double>(r.iterations)));
  out.Set("startPeak", Napi::Number::New(env, r.start_peak));
  out.Set("finalPeak", Napi::Number::New(env, r.final_peak));
  out.Set("activePixels", Napi::Number::New(env, static_cast<double>(r.active_pixels)));
  out.Set("reason", Napi::String::New(env, r.reason == 0   ? "stop-level"
                                           : r.reason == 1 ? "max-iter"
                                                           : "empty"));
  return out;
}

}  // namespace

void register_imaging(Napi::Env env, Napi::Object exports) {
  exports.Set("ms2dirty", Napi::Function::New(env, Ms2Dirty, "ms2dirty"));
  exports.Set("dirty2ms", Napi::Function::New(env, Dirty2Ms, "dirty2ms"));
  exports.Set("ms2residual", Napi::Function::New(env, Ms2Residual, "ms2residual"));
  exports.Set("gridderRelease", Napi::Function::New(env, GridderRelease, "gridderRelease"));
  exports.Set("hogbomClean", Napi::Function::New(env, HogbomClean, "hogbomClean"));
}

}  // namespace dsa110::bind
