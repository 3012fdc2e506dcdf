// Bindings of reproject/ (reproject, mapPixels): argument checks and conversion only.
#include "bindings/args.h"

#include <string>
#include <vector>

#include "reproject/reproject.h"

namespace dsa110::bind {
namespace {

dsa110::reproject::SinWcs sin_wcs(const Napi::Object& o, const std::string& where) {
  dsa110::reproject::SinWcs w;
  w.crval1 = number_prop(o, "crval1", where, -1e6, 1e6, false, 0, false);
  w.crval2 = number_prop(o, "crval2", where, -90, 90, false, 0, false);
  w.crpix1 = number_prop(o, "crpix1", where, -1e9, 1e9, false, 0, false);
  w.crpix2 = number_prop(o, "crpix2", where, -1e9, 1e9, false, 0, false);
  const Napi::Value cd = o.Get("cd");
  if (!cd.IsArray() || cd.As<Napi::Array>().Length() != 4)
    throw Napi::TypeError::New(
        o.Env(),
        "dsa110_native." + where +
            ".cd must be an array of 4 numbers [CD1_1, CD1_2, CD2_1, CD2_2] (degrees per pixel)");
  const Napi::Array a = cd.As<Napi::Array>();
  for (uint32_t k = 0; k < 4; ++k) {
    const Napi::Value v = a.Get(k);
    if (!v.IsNumber())
      throw Napi::TypeError::New(
          o.Env(), "dsa110_native." + where + ".cd[" + std::to_string(k) + "] must be a number");
    w.cd[k] = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(w.cd[k]) || std::abs(w.cd[k]) > 180)
      throw Napi::RangeError::New(o.Env(), "dsa110_native." + where + ".cd[" + std::to_string(k) +
                                               "] must be finite, within +-180 degrees per pixel");
  }
  if (w.cd[0] * w.cd[3] - w.cd[1] * w.cd[2] == 0)
    throw Napi::RangeError::New(
        o.Env(), "dsa110_native." + where + ".cd must be non-singular (degrees per pixel)");
  w.lonpole = number_prop(o, "lonpole", where, -360, 360, false, 180, false);
  return w;
}

Napi::Object object_at(const Napi::Object& o, const char* key, const std::string& where) {
  const Napi::Value v = o.Get(key);
  if (!v.IsObject())
    throw Napi::TypeError::New(o.Env(),
                               "dsa110_native." + where + "." + key + " must be an object");
  return v.As<Napi::Object>();
}

// Float32Array planes of `want` elements each from an array property.
std::vector<float*> planes_of(const Napi::Object& o, const std::string& where, std::size_t want,
                              const char* shape) {
  const Napi::Value v = o.Get("planes");
  if (!v.IsArray())
    throw Napi::TypeError::New(
        o.Env(), "dsa110_native." + where + ".planes must be an array of Float32Array");
  const Napi::Array a = v.As<Napi::Array>();
  std::vector<float*> out;
  for (uint32_t k = 0; k < a.Length(); ++k) {
    const std::string name = where + ".planes[" + std::to_string(k) + "]";
    const auto s = typed_value<float>(o.Env(), a.Get(k), name, false);
    expect_length(o.Env(), s.length, want, name, shape);
    out.push_back(s.data);
  }
  return out;
}

// reproject(input, output, options): see native/src/reproject/reproject.h. input = { planes,
// nx, row0, nrows, wcs }, output = { planes, x0, y0, nx, ny, wcs }, options = { interpolation:
// 'bilinear' | 'lanczos3', threads, tile }. Returns the number of covered output pixels.
Napi::Value Reproject(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "reproject";
  const Napi::Object io = object_arg(info, 0, fn, "input");
  const Napi::Object oo = object_arg(info, 1, fn, "output");
  const Napi::Object po = object_arg(info, 2, fn, "options");
  const std::string wi = std::string(fn) + ": input", wo = std::string(fn) + ": output",
                    wp = std::string(fn) + ": options";
  dsa110::reproject::InputView in;
  in.nx = static_cast<std::size_t>(number_prop(io, "nx", wi, 2, 1 << 24, true, 0, false));
  in.row0 = static_cast<std::size_t>(number_prop(io, "row0", wi, 0, 1 << 24, true, 0, false));
  in.nrows = static_cast<std::size_t>(number_prop(io, "nrows", wi, 1, 1 << 24, true, 0, false));
  in.wcs = sin_wcs(object_at(io, "wcs", wi), wi + ".wcs");
  const std::vector<float*> ip = planes_of(io, wi, in.nx * in.nrows, "nx x nrows");
  if (ip.empty())
    throw Napi::RangeError::New(env,
                                "dsa110_native." + wi + ".planes must hold at least one plane");
  std::vector<const float*> ipc(ip.begin(), ip.end());
  in.planes = ipc.data();
  in.nplanes = ipc.size();
  dsa110::reproject::OutputRegion out;
  out.x0 = static_cast<std::size_t>(number_prop(oo, "x0", wo, 0, 1 << 24, true, 0, false));
  out.y0 = static_cast<std::size_t>(number_prop(oo, "y0", wo, 0, 1 << 24, true, 0, false));
  out.nx = static_cast<std::size_t>(number_prop(oo, "nx", wo, 1, 1 << 24, true, 0, false));
  out.ny = static_cast<std::size_t>(number_prop(oo, "ny", wo, 1, 1 << 24, true, 0, false));
  out.wcs = sin_wcs(object_at(oo, "wcs", wo), wo + ".wcs");
  std::vector<float*> op = planes_of(oo, wo, out.nx * out.ny, "nx x ny");
  if (op.size() != ip.size())
    throw Napi::RangeError::New(env,
                                "dsa110_native." + wo + ".planes has " + std::to_string(op.size()) +
                                    " planes but input.planes has " + std::to_string(ip.size()) +
                                    "; one output plane per input plane was expected");
  out.planes = op.data();
  dsa110::reproject::Options opt;
  const Napi::Value interp = po.Get("interpolation");
  if (!interp.IsUndefined()) {
    const std::string s = interp.IsString() ? interp.As<Napi::String>().Utf8Value() : "";
    if (s == "bilinear")
      opt.interp = dsa110::reproject::Interp::Bilinear;
    else if (s == "lanczos3")
      opt.interp = dsa110::reproject::Interp::Lanczos3;
    else
      throw Napi::TypeError::New(
          env, "dsa110_native." + wp + ".interpolation must be 'bilinear' or 'lanczos3'");
  }
  opt.threads =
      static_cast<unsigned>(number_prop(po, "threads", wp, 1, kMaxThreads, true, 1, true));
  opt.tile = static_cast<std::size_t>(number_prop(po, "tile", wp, 8, 1 << 16, true, 256, true));
  const std::size_t covered =
      kernel_call(env, fn, [&] { return dsa110::reproject::reproject(in, out, opt); });
  return Napi::Number::New(env, static_cast<double>(covered));
}

// mapPixels(inWcs, outWcs, xy: Float64Array (n x 2, output pixels, 0-based), result: Float64Array
// (n x 2)): the input pixel of each output pixel, NaN off the input's hemisphere.
Napi::Value MapPixels(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* fn = "mapPixels";
  const std::string f = std::string(fn) + ": argument ";
  const dsa110::reproject::SinWcs wi = sin_wcs(object_arg(info, 0, fn, "inWcs"), f + "'inWcs'");
  const dsa110::reproject::SinWcs wo = sin_wcs(object_arg(info, 1, fn, "outWcs"), f + "'outWcs'");
  const Napi::Float64Array xy = float64_arg(info, 2, fn, "xy");
  Napi::Float64Array res = float64_arg(info, 3, fn, "result");
  if (xy.ElementLength() % 2 != 0)
    throw Napi::RangeError::New(env, "dsa110_native." + f +
                                         "'xy' must hold n x 2 values (x, y), got " +
                                         std::to_string(xy.ElementLength()));
  expect_length(env, res.ElementLength(), xy.ElementLength(), f + "'result'", "the length of xy");
  kernel_call(env, fn, [&] {
    dsa110::reproject::map_pixels(wi, wo, xy.Data(), xy.ElementLength() / 2, res.Data());
    return 0;
  });
  return env.Undefined();
}

}  // namespace

void register_mosaic(Napi::Env env, Napi::Object exports) {
  exports.Set("reproject", Napi::Function::New(env, Reproject, "reproject"));
  exports.Set("mapPixels", Napi::Function::New(env, MapPixels, "mapPixels"));
}

}  // namespace dsa110::bind
