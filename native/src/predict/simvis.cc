// The simulator's fused pass (simvis.h). The sky sum is factorised by antenna: with
// uvw_b = uvw(a2) - uvw(a1), V_b(nu) = sum_s A_s(nu) E_{a2,s}(nu) conj(E_{a1,s}(nu)),
// E_{a,s} = exp(2 pi i nu uvw(a).lmn1_s / c), so the phasors cost nant x nsrc per channel and
// the sum is a dense dot product over sources (float32, SIMD) instead of a sincos recurrence
// per baseline and source. Noise: xoshiro256** per row seeded from (subband key, time, baseline)
// and the ziggurat of Marsaglia & Tsang, so every file is the same whatever the threads.
#include "predict/simvis.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "common/parallel.h"
#include "predict/predict.h"

namespace dsa110::predict {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kSpeedOfLight = 299792458.0;
constexpr std::size_t kResync = 32;
constexpr std::size_t kLane = 8;

inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The 256-layer ziggurat of Marsaglia & Tsang (2000) for N(0, 1): exact (rectangles accepted
// outright, wedges and the tail |x| > R by rejection), ~1 random word per deviate on average.
struct Ziggurat {
  static constexpr double kR = 3.6541528853610088;
  static constexpr double kV = 4.92867323399e-3;  // area of each layer
  double x[257];  // layer i spans |x| < x[i]; x[0] = V / f(R) (the base with its tail), x[256] = 0
  double f[257];  // exp(-x^2 / 2)
  Ziggurat() {
    x[0] = kV / std::exp(-0.5 * kR * kR);
    x[1] = kR;
    for (int i = 2; i < 256; ++i)
      x[i] = std::sqrt(-2.0 * std::log(kV / x[i - 1] + std::exp(-0.5 * x[i - 1] * x[i - 1])));
    x[256] = 0.0;
    for (int i = 0; i <= 256; ++i) f[i] = std::exp(-0.5 * x[i] * x[i]);
  }
};

const Ziggurat& ziggurat() {
  static const Ziggurat z;
  return z;
}

// xoshiro256** (Blackman & Vigna 2018) driving the ziggurat; one stream per row.
class NormalStream {
 public:
  explicit NormalStream(std::uint64_t key) : z_(ziggurat()) {
    std::uint64_t x = key;
    for (auto& w : s_) {
      x = mix64(x);
      w = x;
    }
  }
  double next() {
    for (;;) {
      // Bits 0-7: layer; bit 8: sign; bits 11-63: position in the layer.
      const std::uint64_t r = bits();
      const unsigned i = static_cast<unsigned>(r & 0xff);
      const double sign = (r & 0x100) ? -1.0 : 1.0;
      const double x = static_cast<double>(r >> 11) * 0x1.0p-53 * z_.x[i];
      if (x < z_.x[i + 1]) return sign * x;
      if (i == 0) {
        // Tail beyond R (Marsaglia 1964): exact by rejection.
        double a, b;
        do {
          a = -std::log(1.0 - uniform()) / Ziggurat::kR;
          b = -std::log(1.0 - uniform());
        } while (2.0 * b < a * a);
        return sign * (Ziggurat::kR + a);
      }
      // Wedge between the layer's rectangle and the curve.
      if (z_.f[i] + uniform() * (z_.f[i + 1] - z_.f[i]) < std::exp(-0.5 * x * x)) return sign * x;
    }
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t bits() {
    const std::uint64_t r = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }
  const Ziggurat& z_;
  std::uint64_t s_[4];
};

bool equally_spaced(const double* f, std::size_t n) {
  if (n < 3) return true;
  const double step = f[1] - f[0];
  for (std::size_t k = 2; k < n; ++k)
    if (std::abs((f[k] - f[k - 1]) - step) > 1e-9 * std::abs(f[k])) return false;
  return true;
}

// Antenna uvw with the first baseline's ant1 at the origin, or empty when the baselines are
// not differences of antenna positions (to 1e-6 m) or do not connect every antenna.
std::vector<double> antenna_uvw(const SimVisInput& in) {
  if (in.nbl == 0) return {};
  std::vector<double> ua(3 * in.nant, 0.0);
  std::vector<char> known(in.nant, 0);
  const std::size_t ref = static_cast<std::size_t>(in.ant1[0]);
  known[ref] = 1;
  for (std::size_t b = 0; b < in.nbl; ++b) {
    const auto a1 = static_cast<std::size_t>(in.ant1[b]), a2 = static_cast<std::size_t>(in.ant2[b]);
    if (a1 == ref && a2 != ref) {
      for (int k = 0; k < 3; ++k) ua[3 * a2 + k] = in.uvw[3 * b + k];
      known[a2] = 1;
    } else if (a2 == ref && a1 != ref) {
      for (int k = 0; k < 3; ++k) ua[3 * a1 + k] = -in.uvw[3 * b + k];
      known[a1] = 1;
    }
  }
  for (std::size_t b = 0; b < in.nbl; ++b) {
    const auto a1 = static_cast<std::size_t>(in.ant1[b]), a2 = static_cast<std::size_t>(in.ant2[b]);
    if (!known[a1] || !known[a2]) return {};
    for (int k = 0; k < 3; ++k)
      if (std::abs(in.uvw[3 * b + k] - (ua[3 * a2 + k] - ua[3 * a1 + k])) > 1e-6) return {};
  }
  return ua;
}

// One channel of the factorised sum: model[b] = sum_s G[a2][s] conj(E[a1][s]) for the live
// cross-correlations; G = A x E. Rows of E and G are padded with zeros to a multiple of kLane.
struct PairArgs {
  const SimVisInput* in;
  const float* er;
  const float* ei;
  const float* gr;
  const float* gi;
  std::size_t stride;  // padded sources per antenna row
  double* model;       // nbl x nchan complex; this call fills channel c
  std::size_t nchan, c;
};

// Consecutive baselines that share ant2 (the correlator's order groups them) are taken up to
// kGroup at a time, so one load of G serves several rows of E.
constexpr std::size_t kGroup = 4;

inline bool live_cross(const SimVisInput& in, std::size_t b) {
  const auto a1 = static_cast<std::size_t>(in.ant1[b]), a2 = static_cast<std::size_t>(in.ant2[b]);
  return a1 != a2 && !in.dead[a1] && !in.dead[a2];
}

// The next group of live cross-correlations from baseline `b` on (advanced past it); 0 at the end.
inline std::size_t next_group(const SimVisInput& in, std::size_t& b, std::size_t* bs) {
  while (b < in.nbl && !live_cross(in, b)) ++b;
  if (b >= in.nbl) return 0;
  std::size_t n = 0;
  const std::int32_t a2 = in.ant2[b];
  while (b < in.nbl && n < kGroup && in.ant2[b] == a2) {
    if (live_cross(in, b)) bs[n++] = b;
    ++b;
  }
  return n;
}

inline void store(const PairArgs& a, std::size_t b, double re, double im) {
  a.model[2 * (b * a.nchan + a.c)] = re;
  a.model[2 * (b * a.nchan + a.c) + 1] = im;
}

void pairs_generic(const PairArgs& a) {
  std::size_t next = 0, n, bs[kGroup];
  while ((n = next_group(*a.in, next, bs)) > 0) {
    for (std::size_t q = 0; q < n; ++q) {
      const std::size_t b = bs[q];
      const float* gr = a.gr + static_cast<std::size_t>(a.in->ant2[b]) * a.stride;
      const float* gi = a.gi + static_cast<std::size_t>(a.in->ant2[b]) * a.stride;
      const float* er = a.er + static_cast<std::size_t>(a.in->ant1[b]) * a.stride;
      const float* ei = a.ei + static_cast<std::size_t>(a.in->ant1[b]) * a.stride;
      float sr[kLane] = {}, si[kLane] = {};
      for (std::size_t s = 0; s < a.stride; s += kLane) {
        for (std::size_t k = 0; k < kLane; ++k) {
          sr[k] += gr[s + k] * er[s + k] + gi[s + k] * ei[s + k];
          si[k] += gi[s + k] * er[s + k] - gr[s + k] * ei[s + k];
        }
      }
      double re = 0, im = 0;
      for (std::size_t k = 0; k < kLane; ++k) {
        re += sr[k];
        im += si[k];
      }
      store(a, b, re, im);
    }
  }
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) inline double hsum(__m256 v) {
  alignas(32) float x[8];
  _mm256_store_ps(x, v);
  double s = 0;
  for (float f : x) s += f;
  return s;
}

__attribute__((target("avx2,fma"))) void pairs_avx2(const PairArgs& a) {
  std::size_t next = 0, n, bs[kGroup];
  while ((n = next_group(*a.in, next, bs)) > 0) {
    const float* gr = a.gr + static_cast<std::size_t>(a.in->ant2[bs[0]]) * a.stride;
    const float* gi = a.gi + static_cast<std::size_t>(a.in->ant2[bs[0]]) * a.stride;
    const float* er[kGroup];
    const float* ei[kGroup];
    // Short groups repeat their first row; only the first n results are stored.
    for (std::size_t q = 0; q < kGroup; ++q) {
      const std::size_t b = bs[q < n ? q : 0];
      er[q] = a.er + static_cast<std::size_t>(a.in->ant1[b]) * a.stride;
      ei[q] = a.ei + static_cast<std::size_t>(a.in->ant1[b]) * a.stride;
    }
    __m256 sr0 = _mm256_setzero_ps(), sr1 = sr0, sr2 = sr0, sr3 = sr0;
    __m256 si0 = sr0, si1 = sr0, si2 = sr0, si3 = sr0;
    for (std::size_t s = 0; s < a.stride; s += kLane) {
      const __m256 g_r = _mm256_loadu_ps(gr + s), g_i = _mm256_loadu_ps(gi + s);
#define DSA_PAIR(Q)                                \
  {                                                \
    const __m256 e_r = _mm256_loadu_ps(er[Q] + s); \
    const __m256 e_i = _mm256_loadu_ps(ei[Q] + s); \
    sr##Q = _mm256_fmadd_ps(g_r, e_r, sr##Q);      \
    sr##Q = _mm256_fmadd_ps(g_i, e_i, sr##Q);      \
    si##Q = _mm256_fmadd_ps(g_i, e_r, si##Q);      \
    si##Q = _mm256_fnmadd_ps(g_r, e_i, si##Q);     \
  }
      DSA_PAIR(0)
      DSA_PAIR(1)
      DSA_PAIR(2)
      DSA_PAIR(3)
#undef DSA_PAIR
    }
    const __m256 sr[kGroup] = {sr0, sr1, sr2, sr3}, si[kGroup] = {si0, si1, si2, si3};
    for (std::size_t q = 0; q < n; ++q) store(a, bs[q], hsum(sr[q]), hsum(si[q]));
  }
}
#endif

// One channel step of every source's phasor of one antenna: E and G = A x E out (float32),
// then the phasor advanced by one channel (double, so the recurrence keeps 1e-14 accuracy).
struct PhasorArgs {
  double* pr;
  double* pi;
  const double* dr;
  const double* di;
  const double* amp;
  float* er;
  float* ei;
  float* gr;
  float* gi;
  std::size_t ns;
};

inline __attribute__((always_inline)) void phasor_body(const PhasorArgs& p) {
  for (std::size_t s = 0; s < p.ns; ++s) {
    const double A = p.amp[s], r = p.pr[s], i = p.pi[s];
    p.er[s] = static_cast<float>(r);
    p.ei[s] = static_cast<float>(i);
    p.gr[s] = static_cast<float>(A * r);
    p.gi[s] = static_cast<float>(A * i);
    p.pr[s] = r * p.dr[s] - i * p.di[s];
    p.pi[s] = r * p.di[s] + i * p.dr[s];
  }
}
void phasor_generic(const PhasorArgs& p) { phasor_body(p); }
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) void phasor_avx2(const PhasorArgs& p) { phasor_body(p); }
#endif

using PairsFn = void (*)(const PairArgs&);
using PhasorFn = void (*)(const PhasorArgs&);
PairsFn pick_pairs() {
#if defined(__x86_64__) || defined(__i386__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &pairs_avx2;
#endif
  return &pairs_generic;
}
PhasorFn pick_phasor() {
#if defined(__x86_64__) || defined(__i386__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &phasor_avx2;
#endif
  return &phasor_generic;
}

// Per thread: buffers of the factorised model.
struct Workspace {
  std::vector<double> pr, pi, dr, di, tau;
  std::vector<float> er, ei, gr, gi;
  std::vector<double> amp;
};

// The factorised model of every channel of the pass at time t into `model` (nbl x nchan
// complex); the phasor recurrence runs across the pass's channels, exact sincos every kResync.
void factorised_model(const SimVisInput& in, const std::vector<double>& ua, bool uniform,
                      std::size_t t, Workspace& w, double* model, PairsFn pairs, PhasorFn phasor) {
  const auto s0 = static_cast<std::size_t>(in.src_offsets[t]);
  const std::size_t ns = static_cast<std::size_t>(in.src_offsets[t + 1]) - s0;
  const std::size_t stride = (ns + kLane - 1) / kLane * kLane;
  const std::size_t na = in.nant;
  if (stride == 0) return;
  w.tau.assign(na * ns, 0.0);
  w.pr.resize(na * ns);
  w.pi.resize(na * ns);
  w.dr.resize(na * ns);
  w.di.resize(na * ns);
  w.er.assign(na * stride, 0.0f);
  w.ei.assign(na * stride, 0.0f);
  w.gr.assign(na * stride, 0.0f);
  w.gi.assign(na * stride, 0.0f);
  w.amp.resize(ns);
  const double df = in.nchan > 1 ? in.freqs[1] - in.freqs[0] : 0.0;
  for (std::size_t a = 0; a < na; ++a) {
    if (in.dead[a]) continue;
    for (std::size_t s = 0; s < ns; ++s) {
      const double* p = in.lmn1 + 3 * (s0 + s);
      const double tau =
          (ua[3 * a] * p[0] + ua[3 * a + 1] * p[1] + ua[3 * a + 2] * p[2]) / kSpeedOfLight;
      w.tau[a * ns + s] = tau;
      w.dr[a * ns + s] = std::cos(kTwoPi * df * tau);
      w.di[a * ns + s] = std::sin(kTwoPi * df * tau);
    }
  }
  for (std::size_t c = 0; c < in.nchan; ++c) {
    const bool exact = !uniform || c % kResync == 0;
    // This channel's spectra, read once (amp is source-major) for all antennas.
    for (std::size_t s = 0; s < ns; ++s) w.amp[s] = in.amp[(s0 + s) * in.nchan + c];
    for (std::size_t a = 0; a < na; ++a) {
      if (in.dead[a]) continue;
      double* pr = w.pr.data() + a * ns;
      double* pi = w.pi.data() + a * ns;
      if (exact) {
        const double* tau = w.tau.data() + a * ns;
        for (std::size_t s = 0; s < ns; ++s) {
          const double ph = kTwoPi * in.freqs[c] * tau[s];
          pr[s] = std::cos(ph);
          pi[s] = std::sin(ph);
        }
      }
      phasor(PhasorArgs{pr, pi, w.dr.data() + a * ns, w.di.data() + a * ns, w.amp.data(),
                        w.er.data() + a * stride, w.ei.data() + a * stride,
                        w.gr.data() + a * stride, w.gi.data() + a * stride, ns});
    }
    pairs(PairArgs{&in, w.er.data(), w.ei.data(), w.gr.data(), w.gi.data(), stride, model, in.nchan,
                   c});
  }
}

// The direct per-baseline sum (smearing, or uvw that are not antenna differences).
void direct_model(const SimVisInput& in, std::size_t t, double* model) {
  const auto s0 = static_cast<std::size_t>(in.src_offsets[t]);
  const std::size_t ns = static_cast<std::size_t>(in.src_offsets[t + 1]) - s0;
  predict_points(in.uvw, in.nbl, in.freqs, in.nchan,
                 PointSources{ns, in.lmn1 + 3 * s0, in.amp + s0 * in.nchan}, in.channel_width_hz,
                 model, 1);
  for (std::size_t b = 0; b < in.nbl; ++b) {
    if (in.ant1[b] == in.ant2[b] || in.dead[in.ant1[b]] || in.dead[in.ant2[b]])
      std::fill(model + 2 * b * in.nchan, model + 2 * (b + 1) * in.nchan, 0.0);
  }
}

struct Cx {
  double re, im;
};
inline Cx mul(Cx a, Cx b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
inline Cx mul_conj(Cx a, Cx b) { return {a.re * b.re + a.im * b.im, a.im * b.re - a.re * b.im}; }

// Noise, RFI and J_a (.) conj(J_b) for every row of subband j at time t.
// J = gain(t) x bandpass(nu) per antenna, pol and channel of the pass, at integration t.
void jones_at(const SimVisInput& in, std::size_t t, std::vector<Cx>& jones) {
  jones.resize(in.nant * 2 * in.nchan);
  for (std::size_t a = 0; a < in.nant; ++a) {
    for (std::size_t p = 0; p < 2; ++p) {
      const double* g = in.gains + 2 * ((t * in.nant + a) * 2 + p);
      for (std::size_t c = 0; c < in.nchan; ++c) {
        const double* bp = in.bandpass + 2 * ((a * 2 + p) * in.nchan + c);
        jones[(a * 2 + p) * in.nchan + c] = mul({g[0], g[1]}, {bp[0], bp[1]});
      }
    }
  }
}

void corrupt_rows(const SimVisInput& in, std::size_t t, std::size_t j, const double* model,
                  const std::vector<Cx>& jones, float* vis, std::uint8_t* flags) {
  const std::size_t nchs = in.nchan / in.nsub, c0 = j * nchs;
  const std::size_t rows = in.ntimes * in.nbl;
  for (std::size_t b = 0; b < in.nbl; ++b) {
    const auto a1 = static_cast<std::size_t>(in.ant1[b]), a2 = static_cast<std::size_t>(in.ant2[b]);
    const std::size_t o0 = (j * rows + t * in.nbl + b) * nchs * 2;
    NormalStream rng(mix64(mix64(mix64(in.noise_keys[j]) + t) + b));
    const bool autocorr = a1 == a2;
    const double power = in.auto_power[t];
    const double rc = in.rfi_phase ? std::cos(in.rfi_phase[b]) : 0.0,
                 rs = in.rfi_phase ? std::sin(in.rfi_phase[b]) : 0.0;
    for (std::size_t cc = 0; cc < nchs; ++cc) {
      const std::size_t c = c0 + cc;
      if (in.chan_flag[c]) {
        for (std::size_t p = 0; p < 2; ++p) {
          const std::size_t o = o0 + cc * 2 + p;
          flags[o] = 1;
          vis[2 * o] = 0.0f;
          vis[2 * o + 1] = 0.0f;
        }
        continue;
      }
      Cx v0{0, 0};
      if (autocorr) {
        // Total power, real; one radiometer deviate per channel shared by both pols.
        v0.re = power + (in.sigma > 0 ? power * in.auto_sigma_scale * rng.next() : 0.0);
      } else {
        v0 = {model[2 * (b * in.nchan + c)], model[2 * (b * in.nchan + c) + 1]};
        if (in.rfi_amp) {
          v0.re += in.rfi_amp[t * in.nchan + c] * rc;
          v0.im += in.rfi_amp[t * in.nchan + c] * rs;
        }
      }
      for (std::size_t p = 0; p < 2; ++p) {
        Cx v = v0;
        if (!autocorr && in.sigma > 0) {
          v.re += in.sigma * rng.next();
          v.im += in.sigma * rng.next();
        }
        const Cx out = mul(
            v, mul_conj(jones[(a1 * 2 + p) * in.nchan + c], jones[(a2 * 2 + p) * in.nchan + c]));
        const std::size_t o = o0 + cc * 2 + p;
        flags[o] = 0;
        vis[2 * o] = static_cast<float>(out.re);
        vis[2 * o + 1] = static_cast<float>(out.im);
      }
    }
  }
}

}  // namespace

bool simulate_visibilities(const SimVisInput& in, float* vis, std::uint8_t* flags,
                           unsigned threads) {
  if (in.nsub == 0 || in.nchan % in.nsub != 0)
    throw std::invalid_argument("nchan (" + std::to_string(in.nchan) +
                                ") must be a positive multiple of nsub (" +
                                std::to_string(in.nsub) + ")");
  for (std::size_t b = 0; b < in.nbl; ++b) {
    if (in.ant1[b] < 0 || in.ant2[b] < 0 || static_cast<std::size_t>(in.ant1[b]) >= in.nant ||
        static_cast<std::size_t>(in.ant2[b]) >= in.nant)
      throw std::out_of_range("baseline " + std::to_string(b) + " names an antenna outside [0, " +
                              std::to_string(in.nant) + ")");
  }
  const std::vector<double> ua = in.channel_width_hz > 0 ? std::vector<double>{} : antenna_uvw(in);
  const bool factorised = !ua.empty();
  const bool uniform = equally_spaced(in.freqs, in.nchan);
  const PairsFn pairs = pick_pairs();
  const PhasorFn phasor = pick_phasor();
  // One unit per integration (all subbands of the pass, so the phasor recurrence runs across
  // them); each thread keeps its buffers.
  parallel_for(in.ntimes, threads, [&](std::size_t t0, std::size_t t1) {
    Workspace w;
    std::vector<double> model(2 * in.nbl * in.nchan);
    std::vector<Cx> jones;
    for (std::size_t t = t0; t < t1; ++t) {
      std::fill(model.begin(), model.end(), 0.0);
      if (factorised) {
        factorised_model(in, ua, uniform, t, w, model.data(), pairs, phasor);
      } else {
        direct_model(in, t, model.data());
      }
      jones_at(in, t, jones);
      for (std::size_t j = 0; j < in.nsub; ++j)
        corrupt_rows(in, t, j, model.data(), jones, vis, flags);
    }
  });
  return factorised;
}

}  // namespace dsa110::predict
