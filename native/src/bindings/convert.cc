// Binding of convert/ (convertRows): one integration of one subband file -> MS rows.
#include "bindings/args.h"

#include "convert/convert.h"

namespace dsa110::bind {
namespace {

// convertRows(input, out): flagged count. input: { vis, flags, nsamples, rowOffset, perm, conj,
// autos, phasors, weightScale, reverse, nchan, npol }; out: { data, flag, weightSpectrum, weight,
// sigma, flagRow }. nbl = perm.length; every perm value must name a row inside the arrays.
Napi::Value ConvertRows(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "convertRows";
  const Napi::Object in = object_arg(info, 0, fn, "input");
  const Napi::Object o = object_arg(info, 1, fn, "out");
  const std::string wi = std::string(fn) + ": input";
  const std::string wo = std::string(fn) + ": out";
  dsa110::convert::RowsIn r;
  r.nchan = static_cast<std::size_t>(number_prop(in, "nchan", wi, 1, kMaxDim, true, 0, false));
  r.npol = static_cast<std::size_t>(number_prop(in, "npol", wi, 1, 4, true, 0, false));
  r.rowOffset =
      static_cast<std::size_t>(number_prop(in, "rowOffset", wi, 0, kMaxDim, true, 0, false));
  r.reverse = bool_prop(in, "reverse", wi, false);
  const auto vis = typed_prop<float>(in, "vis", wi);
  const auto flags = typed_prop<std::uint8_t>(in, "flags", wi);
  const auto ns = typed_prop<float>(in, "nsamples", wi);
  const auto perm = typed_prop<std::int32_t>(in, "perm", wi);
  const auto conj = typed_prop<std::uint8_t>(in, "conj", wi);
  const auto autos = typed_prop<std::uint8_t>(in, "autos", wi);
  const auto ph = typed_prop<double>(in, "phasors", wi);
  const auto scale = typed_prop<double>(in, "weightScale", wi);
  const std::size_t nbl = perm.length, per = r.nchan * r.npol;
  r.nbl = nbl;
  expect_length(env, conj.length, nbl, wi + ".conj", "nbl (perm.length)");
  expect_length(env, autos.length, nbl, wi + ".autos", "nbl (perm.length)");
  expect_length(env, ph.length, 4 * nbl, wi + ".phasors", "4 x nbl");
  expect_length(env, scale.length, r.nchan, wi + ".weightScale", "nchan");
  const std::size_t fileRows = ns.length / per;
  expect_length(env, ns.length, fileRows * per, wi + ".nsamples", "file rows x nchan x npol");
  expect_length(env, flags.length, fileRows * per, wi + ".flags", "file rows x nchan x npol");
  expect_length(env, vis.length, 2 * fileRows * per, wi + ".vis", "2 x file rows x nchan x npol");
  for (std::size_t b = 0; b < nbl; ++b) {
    const std::int32_t p = perm.data[b];
    if (p < 0 || r.rowOffset + static_cast<std::size_t>(p) >= fileRows)
      throw Napi::RangeError::New(
          env, "dsa110_native." + wi + ".perm[" + std::to_string(b) + "] = " + std::to_string(p) +
                   " names a row outside the " + std::to_string(fileRows) +
                   " rows given (rowOffset " + std::to_string(r.rowOffset) + ")");
  }
  r.vis = vis.data;
  r.flags = flags.data;
  r.nsamples = ns.data;
  r.perm = perm.data;
  r.conj = conj.data;
  r.autos = autos.data;
  r.phasors = ph.data;
  r.weightScale = scale.data;
  dsa110::convert::RowsOut w;
  const auto data = typed_prop<float>(o, "data", wo);
  const auto flag = typed_prop<std::uint8_t>(o, "flag", wo);
  const auto wsp = typed_prop<float>(o, "weightSpectrum", wo);
  const auto weight = typed_prop<float>(o, "weight", wo);
  const auto sigma = typed_prop<float>(o, "sigma", wo);
  const auto flagRow = typed_prop<std::uint8_t>(o, "flagRow", wo);
  expect_length(env, data.length, 2 * nbl * per, wo + ".data", "2 x nbl x nchan x npol");
  expect_length(env, flag.length, nbl * per, wo + ".flag", "nbl x nchan x npol");
  expect_length(env, wsp.length, nbl * per, wo + ".weightSpectrum", "nbl x nchan x npol");
  expect_length(env, weight.length, nbl * r.npol, wo + ".weight", "nbl x npol");
  expect_length(env, sigma.length, nbl * r.npol, wo + ".sigma", "nbl x npol");
  expect_length(env, flagRow.length, nbl, wo + ".flagRow", "nbl");
  w.data = data.data;
  w.flag = flag.data;
  w.weightSpectrum = wsp.data;
  w.weight = weight.data;
  w.sigma = sigma.data;
  w.flagRow = flagRow.data;
  return kernel_call(env, fn, [&] {
    return Napi::Number::New(env, static_cast<double>(dsa110::convert::convert_rows(r, w)));
  });
}

}  // namespace

void register_convert(Napi::Env env, Napi::Object exports) {
  exports.Set("convertRows", Napi::Function::New(env, ConvertRows, "convertRows"));
}

}  // namespace dsa110::bind
