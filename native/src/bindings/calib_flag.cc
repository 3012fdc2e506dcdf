// Bindings of calib/ (solveJones, baselineStats, applyJones) and flag/ (flagBasic, flagRfi).
#include "bindings/args.h"

#include <vector>

#include "calib/solve.h"
#include "flag/flag.h"

namespace dsa110::bind {
namespace {

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
      throw Napi::TypeError::New(
          env,
          "dsa110_native." + w +
              ": give either 'model' (complex, the layout of vis) or 'modelFlux' and 'rowTime'");
    if (flux.length % v.nchan != 0)
      throw Napi::RangeError::New(
          env, "dsa110_native." + w + ".modelFlux has " + std::to_string(flux.length) +
                   " elements, not a multiple of nchan = " + std::to_string(v.nchan) +
                   " (ntime x nchan)");
    expect_length(env, rowTime.length, v.rows, w + ".rowTime", "rows");
    v.model_ntime = flux.length / v.nchan;
  }
  const auto phase = typed_prop<double>(d, "modelPhase", w, true);
  if (phase.data)
    expect_length(env, phase.length, 2 * v.rows, w + ".modelPhase",
                  "2 x rows (phi0, dphi per row)");
  const auto prior = typed_prop<double>(d, "prior", w, true);
  const auto priorFlags = typed_prop<std::uint8_t>(d, "priorFlags", w, true);
  const std::size_t np = v.nchan * v.nant * v.npol;
  if (prior.data) expect_length(env, prior.length, 2 * np, w + ".prior", "2 x nchan x nant x npol");
  if (priorFlags.data)
    expect_length(env, priorFlags.length, np, w + ".priorFlags", "nchan x nant x npol");
  v.vis = vis.data;
  v.flags = flags.data;
  v.weights = weights.data;
  v.ant1 = ant1.data;
  v.ant2 = ant2.data;
  v.model = model.data;
  v.model_flux = model.data ? nullptr : flux.data;
  v.row_time = rowTime.data;
  v.model_phase = model.data ? nullptr : phase.data;
  v.prior = prior.data;
  v.prior_flags = prior.data ? priorFlags.data : nullptr;
  return v;
}

dsa110::calib::CellLayout cell_layout(const Napi::Object& c, const std::string& fn,
                                      std::size_t rows, std::size_t nchan) {
  const std::string w = fn + ": cells";
  dsa110::calib::CellLayout cl;
  const auto rowSlot = typed_prop<std::int32_t>(c, "rowSlot", w, true);
  if (rowSlot.data) expect_length(c.Env(), rowSlot.length, rows, w + ".rowSlot", "rows");
  cl.row_slot = rowSlot.data;
  cl.nslot = static_cast<std::size_t>(number_prop(c, "nslot", w, 1, kMaxDim, true, 1, true));
  cl.chan_group = static_cast<std::size_t>(
      number_prop(c, "chanGroup", w, 1, static_cast<double>(nchan), true, 1, true));
  return cl;
}

// The output arrays of a solve (gains, flags, snr per solution; iterations, refant, sigma per
// cell).
dsa110::calib::SolveOutput solve_output(const Napi::Object& out, const std::string& wr,
                                        std::size_t nsol, std::size_t ncell) {
  const Napi::Env env = out.Env();
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
  return so;
}

// solveJones(data, cells, options, out): StefCal per cell (see calib/solve.h); with
// options.thenOut, an amplitude+phase solve from the first solve's solutions into it.
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
  if (initial.data)
    expect_length(env, initial.length, 2 * nsol, wo + ".initial",
                  "2 x nslot x ngroup x nant x npol");
  opt.initial = initial.data;
  const dsa110::calib::SolveOutput so =
      solve_output(object_arg(info, 3, fn, "out"), std::string(fn) + ": out", nsol, ncell);
  dsa110::calib::SolveOutput then_so;
  const Napi::Value then_out = o.Get("thenOut");
  if (!then_out.IsUndefined() && !then_out.IsNull()) {
    if (!then_out.IsObject())
      throw Napi::TypeError::New(
          env, "dsa110_native." + wo + ".thenOut must be an object of output arrays, like out");
    then_so = solve_output(then_out.As<Napi::Object>(), wo + ".thenOut", nsol, ncell);
    opt.then_out = &then_so;
  }
  kernel_call(env, fn, [&] { dsa110::calib::solve_jones(v, cells, opt, so); });
  return env.Undefined();
}

// baselineStats(data, cells, out, threads): per cell and baseline S, P, Q, N (calib/solve.h).
Napi::Value BaselineStats(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "baselineStats";
  const auto v = vis_view(object_arg(info, 0, fn, "data"), fn);
  const auto cells = cell_layout(object_arg(info, 1, fn, "cells"), fn, v.rows, v.nchan);
  const auto out = typed_value<double>(env, info.Length() > 2 ? info[2] : env.Undefined(),
                                       std::string(fn) + ": argument 'out'", false);
  const std::size_t ngroup = (v.nchan + cells.chan_group - 1) / cells.chan_group;
  expect_length(env, out.length, cells.nslot * ngroup * v.npol * v.nant * v.nant * 5,
                std::string(fn) + ": argument 'out'", "nslot x ngroup x npol x nant x nant x 5");
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
  if (weights.data)
    expect_length(env, weights.length, rows * nchan * npol, f + "'weights'", "rows x nchan x npol");
  if (!arg(8).IsArray())
    throw Napi::TypeError::New(
        env, "dsa110_native.applyJones: argument 'terms' must be an array of Jones terms");
  const Napi::Array arr = arg(8).As<Napi::Array>();
  std::vector<dsa110::calib::JonesTerm> terms(arr.Length());
  for (std::uint32_t t = 0; t < arr.Length(); ++t) {
    const std::string w = std::string(fn) + ": terms[" + std::to_string(t) + "]";
    if (!arr.Get(t).IsObject())
      throw Napi::TypeError::New(env, "dsa110_native." + w + " must be an object");
    const Napi::Object o = arr.Get(t).As<Napi::Object>();
    auto& T = terms[t];
    T.nslot = static_cast<std::size_t>(number_prop(o, "nslot", w, 1, kMaxDim, true, 1, true));
    T.chan_group = static_cast<std::size_t>(
        number_prop(o, "chanGroup", w, 1, static_cast<double>(nchan), true, 1, true));
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
    return dsa110::calib::apply_jones(vis.data, flags.data, weights.data, ant1.data, ant2.data,
                                      rows, nchan, npol, nant, terms.data(), terms.size(), threads);
  });
  return Napi::Number::New(env, static_cast<double>(n));
}

// flagBasic(vis, flags, ant1, ant2, nchan, npol, autos, threads): { autocorrelation, zero,
// nonfinite }.
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
  if (!arg(6).IsBoolean())
    throw Napi::TypeError::New(env, "dsa110_native.flagBasic: argument 'autos' must be a boolean");
  const bool autos = arg(6).As<Napi::Boolean>().Value();
  const auto threads = static_cast<unsigned>(whole_number(info, 7, fn, "threads", 1, kMaxThreads));
  const std::size_t rows = ant1.length;
  expect_length(env, ant2.length, rows, f + "'ant2'", "rows (ant1.length)");
  expect_length(env, vis.length, 2 * rows * nchan * npol, f + "'vis'", "2 x rows x nchan x npol");
  expect_length(env, flags.length, rows * nchan * npol, f + "'flags'", "rows x nchan x npol");
  const auto c = kernel_call(env, fn, [&] {
    return dsa110::flag::flag_basic(vis.data, flags.data, ant1.data, ant2.data, rows, nchan, npol,
                                    autos, threads);
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
    throw Napi::RangeError::New(env, "dsa110_native.flagRfi: argument 'flags' has " +
                                         std::to_string(flags.length) +
                                         " elements, not a multiple of nchan x npol");
  const std::size_t rows = flags.length / (nchan * npol);
  expect_length(env, vis.length, 2 * flags.length, f + "'vis'", "2 x flags.length");
  const Napi::Object o = object_arg(info, 7, fn, "options");
  const std::string w = std::string(fn) + ": options";
  dsa110::flag::RfiOptions opt;
  opt.threshold = number_prop(o, "threshold", w, 0.5, 1e6, false, opt.threshold, true);
  opt.rho = number_prop(o, "rho", w, 1, 10, false, opt.rho, true);
  opt.max_window =
      static_cast<std::size_t>(number_prop(o, "maxWindow", w, 1, 4096, true, 32, true));
  opt.passes = static_cast<int>(number_prop(o, "passes", w, 1, 10, true, opt.passes, true));
  opt.half_time = static_cast<std::size_t>(number_prop(o, "halfTime", w, 0, 4096, true, 2, true));
  opt.half_chan = static_cast<std::size_t>(number_prop(o, "halfChan", w, 0, 65536, true, 6, true));
  opt.sir_eta = number_prop(o, "sirEta", w, 0, 1, false, opt.sir_eta, true);
  opt.combine_pols = bool_prop(o, "combinePols", w, true);
  opt.threads = static_cast<unsigned>(number_prop(o, "threads", w, 1, kMaxThreads, true, 1, true));
  const std::size_t n = kernel_call(env, fn, [&] {
    return dsa110::flag::flag_rfi(vis.data, flags.data, rows, grid.data, nbl, ntime, nchan, npol,
                                  opt);
  });
  return Napi::Number::New(env, static_cast<double>(n));
}

}  // namespace

void register_calib_flag(Napi::Env env, Napi::Object exports) {
  exports.Set("solveJones", Napi::Function::New(env, SolveJones, "solveJones"));
  exports.Set("baselineStats", Napi::Function::New(env, BaselineStats, "baselineStats"));
  exports.Set("applyJones", Napi::Function::New(env, ApplyJones, "applyJones"));
  exports.Set("flagBasic", Napi::Function::New(env, FlagBasic, "flagBasic"));
  exports.Set("flagRfi", Napi::Function::New(env, FlagRfi, "flagRfi"));
}

}  // namespace dsa110::bind
