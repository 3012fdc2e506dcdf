// Stockham auto-sort butterfly passes (decimation in frequency) for the 1-D complex FFT, on
// elements E that are one complex value (Cx<T>) or a block of lanes transformed together.
// A pass of radix ip reads cc[i + ido*(m + ip*k)] and writes ch[i + ido*(k + l1*j)] (i < ido,
// m, j < ip, k < l1), multiplying output j by the twiddle w^(i*j*l1) of the whole length;
// chaining passes with growing l1 leaves the result in natural order, with no bit reversal.
#pragma once

#include <cstddef>
#include <vector>

#include "../common/complex.h"

namespace dsa110::fft {

// wa[(j-1)*ido + i] = exp(-2*pi*i * i*j*l1 / n) for j in [1, ip), i in [0, ido).
template <bool Fwd, typename E, typename T>
inline E twiddle(const E& a, const Cx<T>* wa, std::size_t ido, std::size_t i, std::size_t j) {
  return rot<Fwd>(a, wa[(j - 1) * ido + i]);
}

template <bool Fwd, typename E, typename T>
void pass2(std::size_t ido, std::size_t l1, const E* cc, E* ch, const Cx<T>* wa) {
  constexpr std::size_t ip = 2;
  for (std::size_t k = 0; k < l1; ++k) {
    const E* in = cc + ido * ip * k;
    E* out = ch + ido * k;
    if (ido == 1) {
      out[0] = in[0] + in[1];
      out[l1] = in[0] - in[1];
      continue;
    }
    for (std::size_t i = 0; i < ido; ++i) {
      E a0 = in[i], a1 = in[i + ido];
      out[i] = a0 + a1;
      out[i + ido * l1] = twiddle<Fwd>(a0 - a1, wa, ido, i, 1);
    }
  }
}

template <bool Fwd, typename E, typename T>
void pass3(std::size_t ido, std::size_t l1, const E* cc, E* ch, const Cx<T>* wa) {
  constexpr std::size_t ip = 3;
  const T half = T(-0.5);
  const T s = T(0.86602540378443864676372317075294);  // sin(2*pi/3)
  const std::size_t os = ido * l1;
  for (std::size_t k = 0; k < l1; ++k) {
    const E* in = cc + ido * ip * k;
    E* out = ch + ido * k;
    for (std::size_t i = 0; i < ido; ++i) {
      E a0 = in[i], a1 = in[i + ido], a2 = in[i + 2 * ido];
      E t1 = a1 + a2;
      E ca = a0 + t1 * half;
      E cb = rotq<Fwd>((a1 - a2) * s);
      out[i] = a0 + t1;
      if (ido == 1) {
        out[os] = ca + cb;
        out[2 * os] = ca - cb;
      } else {
        out[i + os] = twiddle<Fwd>(ca + cb, wa, ido, i, 1);
        out[i + 2 * os] = twiddle<Fwd>(ca - cb, wa, ido, i, 2);
      }
    }
  }
}

template <bool Fwd, typename E, typename T>
void pass4(std::size_t ido, std::size_t l1, const E* cc, E* ch, const Cx<T>* wa) {
  constexpr std::size_t ip = 4;
  const std::size_t os = ido * l1;
  for (std::size_t k = 0; k < l1; ++k) {
    const E* in = cc + ido * ip * k;
    E* out = ch + ido * k;
    for (std::size_t i = 0; i < ido; ++i) {
      E a0 = in[i], a1 = in[i + ido], a2 = in[i + 2 * ido], a3 = in[i + 3 * ido];
      E t1 = a0 + a2, t2 = a0 - a2, t3 = a1 + a3, t4 = rotq<Fwd>(a1 - a3);
      out[i] = t1 + t3;
      if (ido == 1) {
        out[os] = t2 + t4;
        out[2 * os] = t1 - t3;
        out[3 * os] = t2 - t4;
      } else {
        out[i + os] = twiddle<Fwd>(t2 + t4, wa, ido, i, 1);
        out[i + 2 * os] = twiddle<Fwd>(t1 - t3, wa, ido, i, 2);
        out[i + 3 * os] = twiddle<Fwd>(t2 - t4, wa, ido, i, 3);
      }
    }
  }
}

template <bool Fwd, typename E, typename T>
void pass5(std::size_t ido, std::size_t l1, const E* cc, E* ch, const Cx<T>* wa) {
  constexpr std::size_t ip = 5;
  const T c1 = T(0.30901699437494742410229341718282);   // cos(2*pi/5)
  const T c2 = T(-0.80901699437494742410229341718282);  // cos(4*pi/5)
  const T s1 = T(0.95105651629515357211643933337938);   // sin(2*pi/5)
  const T s2 = T(0.58778525229247312916870595463907);   // sin(4*pi/5)
  const std::size_t os = ido * l1;
  for (std::size_t k = 0; k < l1; ++k) {
    const E* in = cc + ido * ip * k;
    E* out = ch + ido * k;
    for (std::size_t i = 0; i < ido; ++i) {
      E a0 = in[i], a1 = in[i + ido], a2 = in[i + 2 * ido], a3 = in[i + 3 * ido],
        a4 = in[i + 4 * ido];
      E t1 = a1 + a4, t2 = a2 + a3, t3 = a1 - a4, t4 = a2 - a3;
      E ca1 = a0 + t1 * c1 + t2 * c2;
      E ca2 = a0 + t1 * c2 + t2 * c1;
      E cb1 = rotq<Fwd>(t3 * s1 + t4 * s2);
      E cb2 = rotq<Fwd>(t3 * s2 - t4 * s1);
      out[i] = a0 + t1 + t2;
      if (ido == 1) {
        out[os] = ca1 + cb1;
        out[2 * os] = ca2 + cb2;
        out[3 * os] = ca2 - cb2;
        out[4 * os] = ca1 - cb1;
      } else {
        out[i + os] = twiddle<Fwd>(ca1 + cb1, wa, ido, i, 1);
        out[i + 2 * os] = twiddle<Fwd>(ca2 + cb2, wa, ido, i, 2);
        out[i + 3 * os] = twiddle<Fwd>(ca2 - cb2, wa, ido, i, 3);
        out[i + 4 * os] = twiddle<Fwd>(ca1 - cb1, wa, ido, i, 4);
      }
    }
  }
}

// Any odd radix: pairs outputs j and ip-j so each needs (ip-1)/2 real-by-complex products of
// sums and differences; csn[2q], csn[2q+1] = cos, sin(2*pi*q/ip). O(ip^2) per butterfly, so
// the planner only uses it for small primes (larger lengths go to Bluestein).
template <bool Fwd, typename E, typename T>
void passg(std::size_t ip, std::size_t ido, std::size_t l1, const E* cc, E* ch, const Cx<T>* wa,
           const T* csn) {
  const std::size_t h = (ip - 1) / 2;
  const std::size_t os = ido * l1;
  std::vector<E> sums(h + 1), diffs(h + 1);
  for (std::size_t k = 0; k < l1; ++k) {
    const E* in = cc + ido * ip * k;
    E* out = ch + ido * k;
    for (std::size_t i = 0; i < ido; ++i) {
      E a0 = in[i];
      E y0 = a0;
      for (std::size_t m = 1; m <= h; ++m) {
        E am = in[i + m * ido], an = in[i + (ip - m) * ido];
        sums[m] = am + an;
        diffs[m] = am - an;
        y0 = y0 + sums[m];
      }
      out[i] = y0;
      for (std::size_t j = 1; j <= h; ++j) {
        E ca = a0, sb{};
        std::size_t q = 0;
        for (std::size_t m = 1; m <= h; ++m) {
          q += j;
          if (q >= ip) q -= ip;
          ca = ca + sums[m] * csn[2 * q];
          sb = sb + diffs[m] * csn[2 * q + 1];
        }
        E cb = rotq<Fwd>(sb);
        if (ido == 1) {
          out[j * os] = ca + cb;
          out[(ip - j) * os] = ca - cb;
        } else {
          out[i + j * os] = twiddle<Fwd>(ca + cb, wa, ido, i, j);
          out[i + (ip - j) * os] = twiddle<Fwd>(ca - cb, wa, ido, i, ip - j);
        }
      }
    }
  }
}

}  // namespace dsa110::fft
