// Argument checking shared by the Node-API bindings: every error names the function, the
// argument (or option key) and what was expected, and C++ exceptions become JS errors.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <sstream>
#include <string>

namespace dsa110::bind {

inline constexpr unsigned kMaxThreads = 1024;

inline std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// A whole number in [lo, hi], or a RangeError/TypeError naming the function and argument.
inline std::size_t whole_number(const Napi::CallbackInfo& info, std::size_t index, const char* fn,
                                const char* name, double lo, double hi) {
  const Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsNumber())
    throw Napi::TypeError::New(
        env, std::string("dsa110_native.") + fn + ": argument '" + name + "' must be a number");
  const double v = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v != std::floor(v) || v < lo || v > hi)
    throw Napi::RangeError::New(
        env, std::string("dsa110_native.") + fn + ": argument '" + name +
                 "' must be an integer in [" + std::to_string(static_cast<long long>(lo)) + ", " +
                 std::to_string(static_cast<long long>(hi)) + "], got " + format_number(v));
  return static_cast<std::size_t>(v);
}

// A Float64Array argument, or a TypeError naming it.
inline Napi::Float64Array float64_arg(const Napi::CallbackInfo& info, std::size_t index,
                                      const char* fn, const char* name) {
  if (info.Length() <= index || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(info.Env(), std::string("dsa110_native.") + fn + ": argument '" +
                                               name + "' must be a Float64Array");
  return info[index].As<Napi::Float64Array>();
}

// Helpers for kernels taking option objects: a property of `obj` as a typed array of type T
// (or null when absent/null and `optional`), a number, a boolean; errors name fn.arg.key.
template <typename T>
const char* typed_name();
template <>
inline const char* typed_name<float>() {
  return "Float32Array";
}
template <>
inline const char* typed_name<double>() {
  return "Float64Array";
}
template <>
inline const char* typed_name<std::uint8_t>() {
  return "Uint8Array";
}
template <>
inline const char* typed_name<std::int32_t>() {
  return "Int32Array";
}
template <typename T>
napi_typedarray_type typed_kind();
template <>
inline napi_typedarray_type typed_kind<float>() {
  return napi_float32_array;
}
template <>
inline napi_typedarray_type typed_kind<double>() {
  return napi_float64_array;
}
template <>
inline napi_typedarray_type typed_kind<std::uint8_t>() {
  return napi_uint8_array;
}
template <>
inline napi_typedarray_type typed_kind<std::int32_t>() {
  return napi_int32_array;
}

template <typename T>
struct Span {
  T* data = nullptr;
  std::size_t length = 0;
};

template <typename T>
Span<T> typed_value(Napi::Env env, const Napi::Value& v, const std::string& what, bool optional) {
  if (optional && (v.IsUndefined() || v.IsNull())) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != typed_kind<T>())
    throw Napi::TypeError::New(env, "dsa110_native." + what + " must be a " + typed_name<T>() +
                                        (optional ? " or null" : ""));
  Napi::TypedArrayOf<T> a = v.As<Napi::TypedArrayOf<T>>();
  return {a.Data(), a.ElementLength()};
}

template <typename T>
Span<T> typed_prop(const Napi::Object& o, const char* key, const std::string& where,
                   bool optional = false) {
  return typed_value<T>(o.Env(), o.Get(key), where + "." + key, optional);
}

inline Napi::Object object_arg(const Napi::CallbackInfo& info, std::size_t index, const char* fn,
                               const char* name) {
  if (info.Length() <= index || !info[index].IsObject())
    throw Napi::TypeError::New(info.Env(), std::string("dsa110_native.") + fn + ": argument '" +
                                               name + "' must be an object");
  return info[index].As<Napi::Object>();
}

inline double number_prop(const Napi::Object& o, const char* key, const std::string& where,
                          double lo, double hi, bool integer, double fallback, bool optional) {
  const Napi::Value v = o.Get(key);
  if (optional && v.IsUndefined()) return fallback;
  if (!v.IsNumber())
    throw Napi::TypeError::New(o.Env(), "dsa110_native." + where + "." + key + " must be a number");
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x) || x < lo || x > hi || (integer && x != std::floor(x)))
    throw Napi::RangeError::New(o.Env(), "dsa110_native." + where + "." + key + " must be " +
                                             (integer ? "an integer" : "a number") + " in [" +
                                             format_number(lo) + ", " + format_number(hi) +
                                             "], got " + format_number(x));
  return x;
}

inline bool bool_prop(const Napi::Object& o, const char* key, const std::string& where,
                      bool fallback) {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean())
    throw Napi::TypeError::New(o.Env(),
                               "dsa110_native." + where + "." + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline void expect_length(Napi::Env env, std::size_t got, std::size_t want, const std::string& what,
                          const std::string& shape) {
  if (got != want)
    throw Napi::RangeError::New(env, "dsa110_native." + what + " has " + std::to_string(got) +
                                         " elements but " + shape + " = " + std::to_string(want) +
                                         " were expected");
}

inline constexpr double kMaxDim = 2147483647.0;

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

// Registration of each folder's bindings on the module's exports (bindings/*.cc).
void register_fft_predict(Napi::Env env, Napi::Object exports);
void register_calib_flag(Napi::Env env, Napi::Object exports);
void register_imaging(Napi::Env env, Napi::Object exports);
void register_mosaic(Napi::Env env, Napi::Object exports);
void register_convert(Napi::Env env, Napi::Object exports);

}  // namespace dsa110::bind
