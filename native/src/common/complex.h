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
inline Cx<T> operator+(Cx<T> a, Cx<T> b) {
  return {a.r + b.r, a.i + b.i};
}
template <typename T>
inline Cx<T> operator-(Cx<T> a, Cx<T> b) {
  return {a.r - b.r, a.i - b.i};
}
template <typename T>
inline Cx<T> operator*(Cx<T> a, Cx<T> b) {
  return {a.r * b.r - a.i * b.i, a.r * b.i + a.i * b.r};
}
template <typename T>
inline Cx<T> operator*(Cx<T> a, T s) {
  return {a.r * s, a.i * s};
}
template <typename T>
inline Cx<T> conj(Cx<T> a) {
  return {a.r, -a.i};
}

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

// B complex values transformed side by side (B adjacent columns of an image), stored split
// (all real parts, then all imaginary parts) so each operation is a plain loop over lanes the
// compiler turns into SIMD instructions; twiddles and real constants are broadcast.
template <typename T, std::size_t B>
struct Lanes {
  T r[B];
  T i[B];
};

template <typename T, std::size_t B>
inline Lanes<T, B> operator+(const Lanes<T, B>& a, const Lanes<T, B>& b) {
  Lanes<T, B> o;
  for (std::size_t c = 0; c < B; ++c) {
    o.r[c] = a.r[c] + b.r[c];
    o.i[c] = a.i[c] + b.i[c];
  }
  return o;
}
template <typename T, std::size_t B>
inline Lanes<T, B> operator-(const Lanes<T, B>& a, const Lanes<T, B>& b) {
  Lanes<T, B> o;
  for (std::size_t c = 0; c < B; ++c) {
    o.r[c] = a.r[c] - b.r[c];
    o.i[c] = a.i[c] - b.i[c];
  }
  return o;
}
template <typename T, std::size_t B>
inline Lanes<T, B> operator*(const Lanes<T, B>& a, T s) {
  Lanes<T, B> o;
  for (std::size_t c = 0; c < B; ++c) {
    o.r[c] = a.r[c] * s;
    o.i[c] = a.i[c] * s;
  }
  return o;
}
template <typename T, std::size_t B>
inline Lanes<T, B> conj(const Lanes<T, B>& a) {
  Lanes<T, B> o;
  for (std::size_t c = 0; c < B; ++c) {
    o.r[c] = a.r[c];
    o.i[c] = -a.i[c];
  }
  return o;
}
template <bool Fwd, typename T, std::size_t B>
inline Lanes<T, B> rot(const Lanes<T, B>& a, Cx<T> w) {
  const T wi = Fwd ? w.i : -w.i;
  Lanes<T, B> o;
  for (std::size_t c = 0; c < B; ++c) {
    o.r[c] = a.r[c] * w.r - a.i[c] * wi;
    o.i[c] = a.r[c] * wi + a.i[c] * w.r;
  }
  return o;
}
template <bool Fwd, typename T, std::size_t B>
inline Lanes<T, B> rotq(const Lanes<T, B>& a) {
  Lanes<T, B> o;
  for (std::size_t c = 0; c < B; ++c) {
    if constexpr (Fwd) {
      o.r[c] = a.i[c];
      o.i[c] = -a.r[c];
    } else {
      o.r[c] = -a.i[c];
      o.i[c] = a.r[c];
    }
  }
  return o;
}

}  // namespace dsa110
