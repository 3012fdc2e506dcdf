// One-dimensional complex FFT plan of any length n >= 1: mixed radix 4/2/3/5 plus a generic
// odd-prime butterfly, or Bluestein's chirp-z algorithm when a large prime factor would make
// the direct passes slow. Twiddles are computed in double precision, stored as T. A plan is
// immutable once built, so one plan may be used by many threads at once.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../common/complex.h"
#include "passes.h"

namespace dsa110::fft {

// exp(-2*pi*i * k / n) in double; k is reduced exactly in integers first.
inline Cx<double> unit_root(std::uint64_t k, std::uint64_t n) {
  k %= n;
  // Mirror into [0, n/2] so the angle stays small and the conjugate symmetry is exact.
  bool mirror = 2 * k > n;
  if (mirror) k = n - k;
  const double angle =
      2.0 * 3.14159265358979323846264338327950288 * static_cast<double>(k) / static_cast<double>(n);
  double c = std::cos(angle), s = std::sin(angle);
  return {c, mirror ? s : -s};
}

// Prime factors with 4s first, then 2, 3, 5 and the remaining primes in increasing order.
inline std::vector<std::size_t> factorize(std::size_t n) {
  std::vector<std::size_t> f;
  while (n % 4 == 0) {
    f.push_back(4);
    n /= 4;
  }
  if (n % 2 == 0) {
    f.push_back(2);
    n /= 2;
  }
  for (std::size_t p = 3; p * p <= n; p += 2) {
    while (n % p == 0) {
      f.push_back(p);
      n /= p;
    }
  }
  if (n > 1) f.push_back(n);
  return f;
}

// Rough operation count of the direct passes (the same heuristic as pocketfft's planner).
inline double cost_guess(std::size_t n) {
  double sum = 0;
  std::size_t m = n;
  for (std::size_t p = 2; p * p <= m; ++p) {
    while (m % p == 0) {
      sum += p <= 5 ? double(p) : 1.1 * double(p);
      m /= p;
    }
  }
  if (m > 1) sum += m <= 5 ? double(m) : 1.1 * double(m);
  return double(n) * sum;
}

// Smallest 2^a 3^b 5^c >= n.
inline std::size_t good_size(std::size_t n) {
  if (n <= 6) return n;
  std::size_t best = 2 * n;  // a power of two lies in [n, 2n)
  for (std::size_t f5 = 1; f5 < best; f5 *= 5)
    for (std::size_t f35 = f5; f35 < best; f35 *= 3) {
      std::size_t x = f35;
      while (x < n) x *= 2;
      if (x < best) best = x;
    }
  return best;
}

template <typename T>
class Plan {
 public:
  explicit Plan(std::size_t n) : n_(n) {
    if (n == 0) throw std::invalid_argument("fft plan: length must be >= 1");
    if (n >= 64) {
      std::size_t m = good_size(2 * n - 1);
      // 1.5 is pocketfft's fudge factor for the chirp products and the extra memory traffic.
      if (1.5 * 2.0 * cost_guess(m) < cost_guess(n)) {
        init_bluestein(m);
        return;
      }
    }
    init_direct();
  }

  std::size_t size() const { return n_; }

  // Complex elements of scratch space that exec() needs.
  std::size_t scratch_size() const {
    return blue_plan_ ? blue_plan_->size() + blue_plan_->scratch_size() : n_;
  }

  // In-place transform of data[0..n); forward uses exp(-2*pi*i*jk/n), inverse exp(+...),
  // both unnormalised (the 2-D driver applies 1/(nx*ny)).
  // E is Cx<T> (one transform) or Lanes<T, B> (B transforms at once); scratch_size() elements of E.
  template <typename E>
  void exec(E* data, bool forward, E* scratch) const {
    if (n_ == 1) return;
    if (blue_plan_) {
      forward ? exec_bluestein<true>(data, scratch) : exec_bluestein<false>(data, scratch);
    } else {
      forward ? exec_direct<true>(data, scratch) : exec_direct<false>(data, scratch);
    }
  }

 private:
  struct Stage {
    std::size_t ip, ido, l1;
    std::size_t tw;   // offset into tw_
    std::size_t csn;  // offset into csn_ (generic radix only)
  };

  void init_direct() {
    std::size_t l1 = 1;
    for (std::size_t ip : factorize(n_)) {
      Stage st{ip, n_ / (l1 * ip), l1, tw_.size(), csn_.size()};
      for (std::size_t j = 1; j < ip; ++j)
        for (std::size_t i = 0; i < st.ido; ++i) {
          Cx<double> w = unit_root(std::uint64_t(i) * j * l1, n_);
          tw_.push_back({T(w.r), T(w.i)});
        }
      if (ip > 5) {
        for (std::size_t q = 0; q < ip; ++q) {
          Cx<double> w = unit_root(q, ip);
          csn_.push_back(T(w.r));
          csn_.push_back(T(-w.i));  // sin(+2*pi*q/ip): the butterfly applies the sign
        }
      }
      stages_.push_back(st);
      l1 *= ip;
    }
  }

  template <bool Fwd, typename E>
  void exec_direct(E* data, E* scratch) const {
    E* src = data;
    E* dst = scratch;
    for (const Stage& st : stages_) {
      const Cx<T>* wa = tw_.data() + st.tw;
      switch (st.ip) {
        case 2:
          pass2<Fwd>(st.ido, st.l1, src, dst, wa);
          break;
        case 3:
          pass3<Fwd>(st.ido, st.l1, src, dst, wa);
          break;
        case 4:
          pass4<Fwd>(st.ido, st.l1, src, dst, wa);
          break;
        case 5:
          pass5<Fwd>(st.ido, st.l1, src, dst, wa);
          break;
        default:
          passg<Fwd>(st.ip, st.ido, st.l1, src, dst, wa, csn_.data() + st.csn);
          break;
      }
      std::swap(src, dst);
    }
    if (src != data)
      for (std::size_t i = 0; i < n_; ++i) data[i] = src[i];
  }

  // Bluestein: X_j = c_j * sum_k (x_k c_k) conj(c_{j-k}) with the chirp c_k = exp(-i*pi*k^2/n),
  // a circular convolution of length m >= 2n-1 done with the direct plan of length m.
  void init_bluestein(std::size_t m) {
    blue_plan_ = std::make_unique<Plan<T>>(m);
    chirp_.resize(n_);
    std::vector<Cx<double>> chirp_d(n_);
    const std::uint64_t two_n = 2 * std::uint64_t(n_);
    for (std::size_t k = 0; k < n_; ++k) {
      // k^2 mod 2n in integers keeps the angle exact for long transforms.
      std::uint64_t k2 = (std::uint64_t(k) * k) % two_n;
      chirp_d[k] = unit_root(k2, two_n);
      chirp_[k] = {T(chirp_d[k].r), T(chirp_d[k].i)};
    }
    // FFT of b (b_k = conj(c_k) for |k| < n, circularly) computed in double, scaled by 1/m
    // so the inverse of the convolution needs no separate normalisation.
    Plan<double> pd(m);
    std::vector<Cx<double>> b(m, Cx<double>{0, 0}), scratch(pd.scratch_size());
    b[0] = conj(chirp_d[0]);
    for (std::size_t k = 1; k < n_; ++k) b[k] = b[m - k] = conj(chirp_d[k]);
    pd.exec(b.data(), true, scratch.data());
    bk_.resize(m);
    for (std::size_t k = 0; k < m; ++k) bk_[k] = {T(b[k].r / double(m)), T(b[k].i / double(m))};
  }

  // The inverse uses conj(FFT(conj(x))), which keeps a single set of chirp tables.
  template <bool Fwd, typename E>
  void exec_bluestein(E* data, E* scratch) const {
    const std::size_t m = blue_plan_->size();
    E* a = scratch;
    E* inner = scratch + m;
    for (std::size_t k = 0; k < n_; ++k) a[k] = rot<true>(Fwd ? data[k] : conj(data[k]), chirp_[k]);
    for (std::size_t k = n_; k < m; ++k) a[k] = E{};
    blue_plan_->exec(a, true, inner);
    for (std::size_t k = 0; k < m; ++k) a[k] = rot<true>(a[k], bk_[k]);
    blue_plan_->exec(a, false, inner);
    for (std::size_t k = 0; k < n_; ++k) {
      E y = rot<true>(a[k], chirp_[k]);
      data[k] = Fwd ? y : conj(y);
    }
  }

  std::size_t n_;
  std::vector<Stage> stages_;
  std::vector<Cx<T>> tw_;
  std::vector<T> csn_;
  std::unique_ptr<Plan<T>> blue_plan_;
  std::vector<Cx<T>> chirp_, bk_;
};

}  // namespace dsa110::fft
