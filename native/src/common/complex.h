// Plain complex value used by the kernels: a POD pair so buffers from JS (interleaved re, im)
// can be viewed in place, and so multiplication avoids std::complex's slow NaN-recovery path.
#pragma once

#include <cstddef>

namespace dsa110 {

template <typename T>
struct Cx {
  T r, i;
};

static_assert(sizeof(Cx<float>) == 2 * sizeof(float), "Cx<float> must be two packed floats");
static_assert(sizeof(Cx<double>) == 2 * sizeof(double), "Cx<double> must be two packed doubles");

template <typename T>
inline Cx<T> operator+(Cx<T> a, Cx<T> b) { return {a.r + b.r, a.i + b.i}; }
template <typename T>
inline Cx<T> operator-(Cx<T> a, Cx<T> b) { return {a.r - b.r, a.i - b.i}; }
template <typename T>
inline Cx<T> operator*(Cx<T> a, Cx<T> b) { return {a.r * b.r - a.i * b.i, a.r * b.i + a.i * b.r}; }
template <typename T>
inline Cx<T> operator*(Cx<T> a, T s) { return {a.r * s, a.i * s}; }
template <typename T>
inline Cx<T> conj(Cx<T> a) { return {a.r, -a.i}; }

// a * w when Fwd, a * conj(w) otherwise: twiddles are stored once, for the forward sign.
template <bool Fwd, typename T>
inline Cx<T> rot(Cx<T> a, Cx<T> w) {
  if constexpr (Fwd) {
    return {a.r * w.r - a.i * w.i, a.r * w.i + a.i * w.r};
  } else {
    return {a.r * w.r + a.i * w.i, a.i * w.r - a.r * w.i};
  }
}

// a * (-i) when Fwd, a * (+i) otherwise (the quarter-turn of the radix-4 and odd butterflies).
template <bool Fwd, typename T>
inline Cx<T> rotq(Cx<T> a) {
  if constexpr (Fwd) {
    return {a.i, -a.r};
  } else {
    return {-a.i, a.r};
  }
}

}  // namespace dsa110
