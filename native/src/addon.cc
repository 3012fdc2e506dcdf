// Node-API bindings of the dsa110_native addon: argument checking and conversion only; the
// kernels live one folder per algorithm (fft/, later gridder/, deconvolution/ ...).
#include <napi.h>

#include <cmath>
#include <cstddef>
#include <exception>
#include <sstream>
#include <string>

#include "fft/fft2d.h"
#include "predict/predict.h"
#include "calib/solve.h"
#include "flag/flag.h"
#include "gridder/wgridder.h"
#include "deconv/hogbom.h"
#include <cstdint>
#include <vector>

namespace {

constexpr unsigned kMaxThreads = 1024;

std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// A whole number in [lo, hi], or a RangeError/TypeError naming the function and argument.
std::size_t whole_number(const Napi::CallbackInfo& info, std::size_t index, const char* fn, const char* name,
                         double lo, double hi) {
  const Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsNumber())
    throw Napi::TypeError::New(env, std::string("dsa110_native.") + fn + ": argument '" + name + "' must be a number");
  const double v = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v != std::floor(v) || v < lo || v > hi)
    throw Napi::RangeError::New(env, std::string("dsa110_native.") + fn + ": argument '" + name +
                                         "' must be an integer in [" + std::to_string(static_cast<long long>(lo)) +
                                         ", " + std::to_string(static_cast<long long>(hi)) + "], got " + format_number(v));
  return static_cast<std::size_t>(v);
}

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

// A Float64Array argument, or a TypeError naming it.
Napi::Float64Array float64_arg(const Napi::CallbackInfo& info, std::size_t index, const char* fn, const char* name) {
  if (info.Length() <= index || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(info.Env(), std::string("dsa110_native.") + fn + ": argument '" + name + "' must be a Float64Array");
  return info[index].As<Napi::Float64Array>();
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

// ---- calibration solvers and flagging (calib/, flag/) ----

// Helpers for kernels taking option objects: a property of `obj` as a typed array of type T
// (or null when absent/null and `optional`), a number, a boolean; errors name fn.arg.key.
template <typename T>
const char* typed_name();
template <> const char* typed_name<float>() { return "Float32Array"; }
template <> const char* typed_name<double>() { return "Float64Array"; }
template <> const char* typed_name<std::uint8_t>() { return "Uint8Array"; }
template <> const char* typed_name<std::int32_t>() { return "Int32Array"; }
template <typename T>
napi_typedarray_type typed_kind();
template <> napi_typedarray_type typed_kind<float>() { return napi_float32_array; }
template <> napi_typedarray_type typed_kind<double>() { return napi_float64_array; }
template <> napi_typedarray_type typed_kind<std::uint8_t>() { return napi_uint8_array; }
template <> napi_typedarray_type typed_kind<std::int32_t>() { return napi_int32_array; }

template <typename T>
struct Span {
  T* data = nullptr;
  std::size_t length = 0;
};

template <typename T>
Span<T> typed_value(Napi::Env env, const Napi::Value& v, const std::string& what, bool optional) {
  if (optional && (v.IsUndefined() || v.IsNull())) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != typed_kind<T>())
    throw Napi::TypeError::New(env, "dsa110_native." + what + " must be a " + typed_name<T>() + (optional ? " or null" : ""));
  Napi::TypedArrayOf<T> a = v.As<Napi::TypedArrayOf<T>>();
  return {a.Data(), a.ElementLength()};
}

template <typename T>
Span<T> typed_prop(const Napi::Object& o, const char* key, const std::string& where, bool optional = false) {
  return typed_value<T>(o.Env(), o.Get(key), where + "." + key, optional);
}

Napi::Object object_arg(const Napi::CallbackInfo& info, std::size_t index, const char* fn, const char* name) {
  if (info.Length() <= index || !info[index].IsObject())
    throw Napi::TypeError::New(info.Env(), std::string("dsa110_native.") + fn + ": argument '" + name + "' must be an object");
  return info[index].As<Napi::Object>();
}

double number_prop(const Napi::Object& o, const char* key, const std::string& where, double lo, double hi, bool integer,
                   double fallback, bool optional) {
  const Napi::Value v = o.Get(key);
  if (optional && v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), "dsa110_native." + where + "." + key + " must be a number");
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x) || x < lo || x > hi || (integer && x != std::floor(x)))
    throw Napi::RangeError::New(o.Env(), "dsa110_native." + where + "." + key + " must be " + (integer ? "an integer" : "a number") +
                                             " in [" + format_number(lo) + ", " + format_number(hi) + "], got " + format_number(x));
  return x;
}

bool bool_prop(const Napi::Object& o, const char* key, const std::string& where, bool fallback) {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) throw Napi::TypeError::New(o.Env(), "dsa110_native." + where + "." + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

void expect_length(Napi::Env env, std::size_t got, std::size_t want, const std::string& what, const std::string& shape) {
  if (got != want)
    throw Napi::RangeError::New(env, "dsa110_native." + what + " has " + std::to_string(got) + " elements but " + shape + " = " +
                                         std::to_string(want) + " were expected");
}

constexpr double kMaxDim = 2147483647.0;

// The `data` argument of solveJones/baselineStats: the visibility block and its model.
dsa110::calib::VisView vis_view(const Napi::Object& d, const std::string& fn) {
  const Napi::Env env = d.Env();
  const std::string w = fn + ": data";
  dsa110::calib::VisView v;
  const auto ant1 = typed_prop<std::int32_t>(d, "ant1", w);
  const auto ant2 = typed_prop<std::int32_t>(d, "ant2", w);
  v.rows = ant1.length;
  expect_length(env, ant2.length, v.rows, w + ".ant2", "rows (ant1.length)");
  v.nant = static_cast<std::size_t>(number_prop(d, "nant", w, 1, 65536, true, 0, false));
  v.nchan = static_cast<std::size_t>(number_prop(d, "nchan", w, 1, kMaxDim, true, 0, false));
  v.npol = static_cast<std::size_t>(number_prop(d, "npol", w, 1, 4, true, 0, false));
  const std::size_t n = v.rows * v.nchan * v.npol;
  const auto vis = typed_prop<float>(d, "vis", w);
  expect_length(env, vis.length, 2 * n, w + ".vis", "2 x rows x nchan x npol");
  const auto flags = typed_prop<std::uint8_t>(d, "flags", w);
  expect_length(env, flags.length, n, w + ".flags", "rows x nchan x npol");
  const auto weights = typed_prop<float>(d, "weights", w, true);
  if (weights.data) expect_length(env, weights.length, n, w + ".weights", "rows x nchan x npol");
  const auto model = typed_prop<float>(d, "model", w, true);
  const auto flux = typed_prop<float>(d, "modelFlux", w, true);
  const auto rowTime = typed_prop<std::int32_t>(d, "rowTime", w, true);
  if (model.data) {
    expect_length(env, model.length, 2 * n, w + ".model", "2 x rows x nchan x npol");
  } else {
    if (!flux.data || !rowTime.data)
      throw Napi::TypeError::New(env, "dsa110_native." + w + ": give either 'model' (complex, the layout of vis) or 'modelFlux' and 'rowTime'");
    if (flux.length % v.nchan != 0)
      throw Napi::RangeError::New(env, "dsa110_native." + w + ".modelFlux has " + std::to_string(flux.length) +
                                           " elements, not a multiple of nchan = " + std::to_string(v.nchan) + " (ntime x nchan)");
    expect_length(env, rowTime.length, v.rows, w + ".rowTime", "rows");
    v.model_ntime = flux.length / v.nchan;
  }
  const auto prior = typed_prop<double>(d, "prior", w, true);
  const auto priorFlags = typed_prop<std::uint8_t>(d, "priorFlags", w, true);
  const std::size_t np = v.nchan * v.nant * v.npol;
  if (prior.data) expect_length(env, prior.length, 2 * np, w + ".prior", "2 x nchan x nant x npol");
  if (priorFlags.data) expect_length(env, priorFlags.length, np, w + ".priorFlags", "nchan x nant x npol");
  v.vis = vis.data;
  v.flags = flags.data;
  v.weights = weights.data;
  v.ant1 = ant1.data;
  v.ant2 = ant2.data;
  v.model = model.data;
  v.model_flux = model.data ? nullptr : flux.data;
  v.row_time = rowTime.data;
  v.prior = prior.data;
  v.prior_flags = prior.data ? priorFlags.data : nullptr;
  return v;
}

dsa110::calib::CellLayout cell_layout(const Napi::Object& c, const std::string& fn, std::size_t rows, std::size_t nchan) {
  const std::string w = fn + ": cells";
  dsa110::calib::CellLayout cl;
  const auto rowSlot = typed_prop<std::int32_t>(c, "rowSlot", w, true);
  if (rowSlot.data) expect_length(c.Env(), rowSlot.length, rows, w + ".rowSlot", "rows");
  cl.row_slot = rowSlot.data;
  cl.nslot = static_cast<std::size_t>(number_prop(c, "nslot", w, 1, kMaxDim, true, 1, true));
  cl.chan_group = static_cast<std::size_t>(number_prop(c, "chanGroup", w, 1, static_cast<double>(nchan), true, 1, true));
  return cl;
}

template <typename Fn>
auto kernel_call(Napi::Env env, const char* fn, Fn&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("dsa110_native.") + fn + ": " + e.what());
  }
}

// solveJones(data, cells, options, out): StefCal per cell (see calib/solve.h).
Napi::Value SolveJones(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "solveJones";
  const auto v = vis_view(object_arg(info, 0, fn, "data"), fn);
  const auto cells = cell_layout(object_arg(info, 1, fn, "cells"), fn, v.rows, v.nchan);
  const Napi::Object o = object_arg(info, 2, fn, "options");
  const std::string wo = std::string(fn) + ": options";
  dsa110::calib::SolveOptions opt;
  opt.phase_only = bool_prop(o, "phaseOnly", wo, false);
  opt.max_iter = static_cast<int>(number_prop(o, "maxIter", wo, 1, 100000, true, 100, true));
  opt.tol = number_prop(o, "tol", wo, 0, 1, false, 1e-7, true);
  opt.min_snr = number_prop(o, "minSnr", wo, 0, 1e30, false, 3, true);
  opt.threads = static_cast<unsigned>(number_prop(o, "threads", wo, 1, kMaxThreads, true, 1, true));
  const auto refants = typed_prop<std::int32_t>(o, "refants", wo, true);
  opt.refants = refants.data;
  opt.nrefants = refants.length;
  const std::size_t ngroup = (v.nchan + cells.chan_group - 1) / cells.chan_group;
  const std::size_t nsol = cells.nslot * ngroup * v.nant * v.npol;
  const std::size_t ncell = cells.nslot * ngroup * v.npol;
  const auto initial = typed_prop<double>(o, "initial", wo, true);
  if (initial.data) expect_length(env, initial.length, 2 * nsol, wo + ".initial", "2 x nslot x ngroup x nant x npol");
  opt.initial = initial.data;
  const Napi::Object out = object_arg(info, 3, fn, "out");
  const std::string wr = std::string(fn) + ": out";
  dsa110::calib::SolveOutput so;
  const auto gains = typed_prop<double>(out, "gains", wr);
  expect_length(env, gains.length, 2 * nsol, wr + ".gains", "2 x nslot x ngroup x nant x npol");
  const auto flags = typed_prop<std::uint8_t>(out, "flags", wr);
  expect_length(env, flags.length, nsol, wr + ".flags", "nslot x ngroup x nant x npol");
  const auto snr = typed_prop<float>(out, "snr", wr);
  expect_length(env, snr.length, nsol, wr + ".snr", "nslot x ngroup x nant x npol");
  const auto iters = typed_prop<std::int32_t>(out, "iterations", wr);
  expect_length(env, iters.length, ncell, wr + ".iterations", "nslot x ngroup x npol");
  const auto refant = typed_prop<std::int32_t>(out, "refant", wr);
  expect_length(env, refant.length, ncell, wr + ".refant", "nslot x ngroup x npol");
  const auto sigma = typed_prop<double>(out, "sigma", wr);
  expect_length(env, sigma.length, ncell, wr + ".sigma", "nslot x ngroup x npol");
  so.gains = gains.data;
  so.flags = flags.data;
  so.snr = snr.data;
  so.iterations = iters.data;
  so.refant = refant.data;
  so.sigma = sigma.data;
  kernel_call(env, fn, [&] { dsa110::calib::solve_jones(v, cells, opt, so); });
  return env.Undefined();
}

// baselineStats(data, cells, out, threads): per cell and baseline S, P, Q, N (calib/solve.h).
Napi::Value BaselineStats(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "baselineStats";
  const auto v = vis_view(object_arg(info, 0, fn, "data"), fn);
  const auto cells = cell_layout(object_arg(info, 1, fn, "cells"), fn, v.rows, v.nchan);
  const auto out = typed_value<double>(env, info.Length() > 2 ? info[2] : env.Undefined(), std::string(fn) + ": argument 'out'", false);
  const std::size_t ngroup = (v.nchan + cells.chan_group - 1) / cells.chan_group;
  expect_length(env, out.length, cells.nslot * ngroup * v.npol * v.nant * v.nant * 5, std::string(fn) + ": argument 'out'",
                "nslot x ngroup x npol x nant x nant x 5");
  const auto threads = static_cast<unsigned>(whole_number(info, 3, fn, "threads", 1, kMaxThreads));
  kernel_call(env, fn, [&] { dsa110::calib::baseline_stats(v, cells, out.data, threads); });
  return env.Undefined();
}

// applyJones(vis, flags, weights | null, ant1, ant2, nchan, npol, nant, terms, threads): number
// of newly flagged samples; vis/flags/weights corrected in place.
Napi::Value ApplyJones(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "applyJones";
  const std::string f = std::string(fn) + ": argument ";
  auto arg = [&](std::size_t i) { return info.Length() > i ? info[i] : env.Undefined(); };
  const auto vis = typed_value<float>(env, arg(0), f + "'vis'", false);
  const auto flags = typed_value<std::uint8_t>(env, arg(1), f + "'flags'", false);
  const auto weights = typed_value<float>(env, arg(2), f + "'weights'", true);
  const auto ant1 = typed_value<std::int32_t>(env, arg(3), f + "'ant1'", false);
  const auto ant2 = typed_value<std::int32_t>(env, arg(4), f + "'ant2'", false);
  const std::size_t nchan = whole_number(info, 5, fn, "nchan", 1, kMaxDim);
  const std::size_t npol = whole_number(info, 6, fn, "npol", 1, 4);
  const std::size_t nant = whole_number(info, 7, fn, "nant", 1, 65536);
  const std::size_t rows = ant1.length;
  expect_length(env, ant2.length, rows, f + "'ant2'", "rows (ant1.length)");
  expect_length(env, vis.length, 2 * rows * nchan * npol, f + "'vis'", "2 x rows x nchan x npol");
  expect_length(env, flags.length, rows * nchan * npol, f + "'flags'", "rows x nchan x npol");
  if (weights.data) expect_length(env, weights.length, rows * nchan * npol, f + "'weights'", "rows x nchan x npol");
  if (!arg(8).IsArray()) throw Napi::TypeError::New(env, "dsa110_native.applyJones: argument 'terms' must be an array of Jones terms");
  const Napi::Array arr = arg(8).As<Napi::Array>();
  std::vector<dsa110::calib::JonesTerm> terms(arr.Length());
  for (std::uint32_t t = 0; t < arr.Length(); ++t) {
    const std::string w = std::string(fn) + ": terms[" + std::to_string(t) + "]";
    if (!arr.Get(t).IsObject()) throw Napi::TypeError::New(env, "dsa110_native." + w + " must be an object");
    const Napi::Object o = arr.Get(t).As<Napi::Object>();
    auto& T = terms[t];
    T.nslot = static_cast<std::size_t>(number_prop(o, "nslot", w, 1, kMaxDim, true, 1, true));
    T.chan_group = static_cast<std::size_t>(number_prop(o, "chanGroup", w, 1, static_cast<double>(nchan), true, 1, true));
    const std::size_t n = T.nslot * ((nchan + T.chan_group - 1) / T.chan_group) * nant * npol;
    const auto j = typed_prop<double>(o, "jones", w);
    expect_length(env, j.length, 2 * n, w + ".jones", "2 x nslot x ngroup x nant x npol");
    const auto jf = typed_prop<std::uint8_t>(o, "flags", w, true);
    if (jf.data) expect_length(env, jf.length, n, w + ".flags", "nslot x ngroup x nant x npol");
    const auto rs = typed_prop<std::int32_t>(o, "rowSlot", w, true);
    if (rs.data) expect_length(env, rs.length, rows, w + ".rowSlot", "rows");
    T.jones = j.data;
    T.flags = jf.data;
    T.row_slot = rs.data;
  }
  const auto threads = static_cast<unsigned>(whole_number(info, 9, fn, "threads", 1, kMaxThreads));
  const std::size_t n = kernel_call(env, fn, [&] {
    return dsa110::calib::apply_jones(vis.data, flags.data, weights.data, ant1.data, ant2.data, rows, nchan, npol, nant,
                                      terms.data(), terms.size(), threads);
  });
  return Napi::Number::New(env, static_cast<double>(n));
}

// flagBasic(vis, flags, ant1, ant2, nchan, npol, autos, threads): { autocorrelation, zero, nonfinite }.
Napi::Value FlagBasic(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "flagBasic";
  const std::string f = std::string(fn) + ": argument ";
  auto arg = [&](std::size_t i) { return info.Length() > i ? info[i] : env.Undefined(); };
  const auto vis = typed_value<float>(env, arg(0), f + "'vis'", false);
  const auto flags = typed_value<std::uint8_t>(env, arg(1), f + "'flags'", false);
  const auto ant1 = typed_value<std::int32_t>(env, arg(2), f + "'ant1'", false);
  const auto ant2 = typed_value<std::int32_t>(env, arg(3), f + "'ant2'", false);
  const std::size_t nchan = whole_number(info, 4, fn, "nchan", 1, kMaxDim);
  const std::size_t npol = whole_number(info, 5, fn, "npol", 1, 4);
  if (!arg(6).IsBoolean()) throw Napi::TypeError::New(env, "dsa110_native.flagBasic: argument 'autos' must be a boolean");
  const bool autos = arg(6).As<Napi::Boolean>().Value();
  const auto threads = static_cast<unsigned>(whole_number(info, 7, fn, "threads", 1, kMaxThreads));
  const std::size_t rows = ant1.length;
  expect_length(env, ant2.length, rows, f + "'ant2'", "rows (ant1.length)");
  expect_length(env, vis.length, 2 * rows * nchan * npol, f + "'vis'", "2 x rows x nchan x npol");
  expect_length(env, flags.length, rows * nchan * npol, f + "'flags'", "rows x nchan x npol");
  const auto c = kernel_call(env, fn, [&] {
    return dsa110::flag::flag_basic(vis.data, flags.data, ant1.data, ant2.data, rows, nchan, npol, autos, threads);
  });
  Napi::Object out = Napi::Object::New(env);
  out.Set("autocorrelation", Napi::Number::New(env, static_cast<double>(c.autocorrelation)));
  out.Set("zero", Napi::Number::New(env, static_cast<double>(c.zero)));
  out.Set("nonfinite", Napi::Number::New(env, static_cast<double>(c.nonfinite)));
  return out;
}

// flagRfi(vis, flags, grid, nbl, ntime, nchan, npol, options): newly flagged samples.
Napi::Value FlagRfi(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "flagRfi";
  const std::string f = std::string(fn) + ": argument ";
  auto arg = [&](std::size_t i) { return info.Length() > i ? info[i] : env.Undefined(); };
  const auto vis = typed_value<float>(env, arg(0), f + "'vis'", false);
  const auto flags = typed_value<std::uint8_t>(env, arg(1), f + "'flags'", false);
  const auto grid = typed_value<std::int32_t>(env, arg(2), f + "'grid'", false);
  const std::size_t nbl = whole_number(info, 3, fn, "nbl", 1, kMaxDim);
  const std::size_t ntime = whole_number(info, 4, fn, "ntime", 1, kMaxDim);
  const std::size_t nchan = whole_number(info, 5, fn, "nchan", 1, kMaxDim);
  const std::size_t npol = whole_number(info, 6, fn, "npol", 1, 4);
  expect_length(env, grid.length, nbl * ntime, f + "'grid'", "nbl x ntime");
  if (flags.length % (nchan * npol) != 0)
    throw Napi::RangeError::New(env, "dsa110_native.flagRfi: argument 'flags' has " + std::to_string(flags.length) +
                                         " elements, not a multiple of nchan x npol");
  const std::size_t rows = flags.length / (nchan * npol);
  expect_length(env, vis.length, 2 * flags.length, f + "'vis'", "2 x flags.length");
  const Napi::Object o = object_arg(info, 7, fn, "options");
  const std::string w = std::string(fn) + ": options";
  dsa110::flag::RfiOptions opt;
  opt.threshold = number_prop(o, "threshold", w, 0.5, 1e6, false, opt.threshold, true);
  opt.rho = number_prop(o, "rho", w, 1, 10, false, opt.rho, true);
  opt.max_window = static_cast<std::size_t>(number_prop(o, "maxWindow", w, 1, 4096, true, 32, true));
  opt.passes = static_cast<int>(number_prop(o, "passes", w, 1, 10, true, opt.passes, true));
  opt.half_time = static_cast<std::size_t>(number_prop(o, "halfTime", w, 0, 4096, true, 2, true));
  opt.half_chan = static_cast<std::size_t>(number_prop(o, "halfChan", w, 0, 65536, true, 6, true));
  opt.sir_eta = number_prop(o, "sirEta", w, 0, 1, false, opt.sir_eta, true);
  opt.combine_pols = bool_prop(o, "combinePols", w, true);
  opt.threads = static_cast<unsigned>(number_prop(o, "threads", w, 1, kMaxThreads, true, 1, true));
  const std::size_t n = kernel_call(env, fn, [&] {
    return dsa110::flag::flag_rfi(vis.data, flags.data, rows, grid.data, nbl, ntime, nchan, npol, opt);
  });
  return Napi::Number::New(env, static_cast<double>(n));
}

// ---- gridder/: ms2dirty (G^H, gridding) and dirty2ms (G, degridding); see gridder/wgridder.h ----

dsa110::gridder::Options gridder_options(const Napi::CallbackInfo& info, std::size_t index, const char* fn) {
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
    throw Napi::RangeError::New(info.Env(), "dsa110_native." + w + ".sigma must be 0 (automatic) or in [1.2, 4], got " + format_number(opt.sigma));
  opt.wgridding = bool_prop(o, "wgridding", w, true);
  opt.threads = static_cast<unsigned>(number_prop(o, "threads", w, 1, kMaxThreads, true, 1, true));
  opt.max_grid_bytes = static_cast<std::size_t>(number_prop(o, "maxGridBytes", w, 0, 9007199254740991.0, true, 0, true));
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
dsa110::gridder::Layout gridder_layout(const Napi::CallbackInfo& info, const char* fn, std::size_t weights_index, bool weights_optional) {
  const Napi::Env env = info.Env();
  const std::string f = std::string(fn) + ": argument ";
  auto arg = [&](std::size_t i) { return info.Length() > i ? info[i] : env.Undefined(); };
  const auto uvw = typed_value<double>(env, arg(0), f + "'uvw'", false);
  const auto freqs = typed_value<double>(env, arg(1), f + "'freqs'", false);
  if (uvw.length % 3 != 0)
    throw Napi::RangeError::New(env, "dsa110_native." + f + "'uvw' must hold nrows x 3 values (m), got " + std::to_string(uvw.length));
  if (freqs.length == 0) throw Napi::RangeError::New(env, "dsa110_native." + f + "'freqs' must hold at least one frequency (Hz)");
  const std::size_t nrows = uvw.length / 3;
  const auto weights = typed_value<float>(env, arg(weights_index), f + "'weights'", weights_optional);
  if (weights.data) expect_length(env, weights.length, nrows * freqs.length, f + "'weights'", "nrows x nchan");
  return dsa110::gridder::Layout{uvw.data, nrows, freqs.data, freqs.length, weights.data};
}

// Visibilities and image must both be Float32Array (float32 path) or both Float64Array.
bool gridder_is_double(const Napi::CallbackInfo& info, const char* fn, std::size_t vis_index, std::size_t image_index,
                       const char* vis_name, const char* image_name) {
  const Napi::Env env = info.Env();
  auto kind = [&](std::size_t i, const char* name) {
    if (info.Length() <= i || !info[i].IsTypedArray())
      throw Napi::TypeError::New(env, std::string("dsa110_native.") + fn + ": argument '" + name + "' must be a Float32Array or Float64Array");
    const napi_typedarray_type t = info[i].As<Napi::TypedArray>().TypedArrayType();
    if (t != napi_float32_array && t != napi_float64_array)
      throw Napi::TypeError::New(env, std::string("dsa110_native.") + fn + ": argument '" + name + "' must be a Float32Array or Float64Array");
    return t;
  };
  const napi_typedarray_type tv = kind(vis_index, vis_name), ti = kind(image_index, image_name);
  if (tv != ti)
    throw Napi::TypeError::New(env, std::string("dsa110_native.") + fn + ": arguments '" + vis_name + "' and '" + image_name +
                                        "' must have the same type (both Float32Array or both Float64Array)");
  return tv == napi_float64_array;
}

template <typename T>
Napi::TypedArrayOf<T> gridder_array(const Napi::CallbackInfo& info, std::size_t i, std::size_t want, const char* fn, const char* name,
                                    const char* shape) {
  Napi::TypedArrayOf<T> a = info[i].As<Napi::TypedArrayOf<T>>();
  expect_length(info.Env(), a.ElementLength(), want, std::string(fn) + ": argument '" + name + "'", shape);
  return a;
}

// ms2dirty(uvw, freqs, vis, weights, dirty, options): dirty (ny x nx) = G^H(vis); returns the info.
Napi::Value Ms2Dirty(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "ms2dirty";
  const dsa110::gridder::Layout d = gridder_layout(info, fn, 3, false);
  const bool dbl = gridder_is_double(info, fn, 2, 4, "vis", "dirty");
  const dsa110::gridder::Options opt = gridder_options(info, 5, fn);
  const std::size_t nvis = 2 * d.nrows * d.nchan, npix = opt.nx * opt.ny;
  const dsa110::gridder::Info in = kernel_call(env, fn, [&] {
    if (dbl)
      return dsa110::gridder::grid<double>(d, gridder_array<double>(info, 2, nvis, fn, "vis", "2 x nrows x nchan").Data(), opt,
                                           gridder_array<double>(info, 4, npix, fn, "dirty", "nx x ny").Data());
    return dsa110::gridder::grid<float>(d, gridder_array<float>(info, 2, nvis, fn, "vis", "2 x nrows x nchan").Data(), opt,
                                        gridder_array<float>(info, 4, npix, fn, "dirty", "nx x ny").Data());
  });
  return gridder_info(env, in);
}

// dirty2ms(uvw, freqs, image, weights | null, vis, options): vis = G(image) (overwritten); returns the info.
Napi::Value Dirty2Ms(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "dirty2ms";
  const dsa110::gridder::Layout d = gridder_layout(info, fn, 3, true);
  const bool dbl = gridder_is_double(info, fn, 4, 2, "vis", "image");
  const dsa110::gridder::Options opt = gridder_options(info, 5, fn);
  const std::size_t nvis = 2 * d.nrows * d.nchan, npix = opt.nx * opt.ny;
  const dsa110::gridder::Info in = kernel_call(env, fn, [&] {
    if (dbl)
      return dsa110::gridder::degrid<double>(d, gridder_array<double>(info, 2, npix, fn, "image", "nx x ny").Data(), opt,
                                             gridder_array<double>(info, 4, nvis, fn, "vis", "2 x nrows x nchan").Data());
    return dsa110::gridder::degrid<float>(d, gridder_array<float>(info, 2, npix, fn, "image", "nx x ny").Data(), opt,
                                          gridder_array<float>(info, 4, nvis, fn, "vis", "2 x nrows x nchan").Data());
  });
  return gridder_info(env, in);
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
  out.Set("reason", Napi::String::New(env, r.reason == 0 ? "stop-level" : r.reason == 1 ? "max-iter" : "empty"));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("fft2d", Napi::Function::New(env, Fft2d, "fft2d"));
  exports.Set("predictPoints", Napi::Function::New(env, PredictPoints, "predictPoints"));
  exports.Set("solveJones", Napi::Function::New(env, SolveJones, "solveJones"));
  exports.Set("baselineStats", Napi::Function::New(env, BaselineStats, "baselineStats"));
  exports.Set("applyJones", Napi::Function::New(env, ApplyJones, "applyJones"));
  exports.Set("flagBasic", Napi::Function::New(env, FlagBasic, "flagBasic"));
  exports.Set("flagRfi", Napi::Function::New(env, FlagRfi, "flagRfi"));
  exports.Set("ms2dirty", Napi::Function::New(env, Ms2Dirty, "ms2dirty"));
  exports.Set("dirty2ms", Napi::Function::New(env, Dirty2Ms, "dirty2ms"));
  exports.Set("hogbomClean", Napi::Function::New(env, HogbomClean, "hogbomClean"));
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  exports.Set("maxThreads", Napi::Number::New(env, kMaxThreads));
  return exports;
}

}  // namespace

NODE_API_MODULE(dsa110_native, Init)
