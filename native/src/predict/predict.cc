// Direct point-source prediction, parallel over baselines (each thread owns its output rows).
#include "predict/predict.h"

#include <algorithm>
#include <cmath>

#include "common/parallel.h"

namespace dsa110::predict {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kSpeedOfLight = 299792458.0;
// The recurrence accumulates about one ulp of phase error per channel; resynchronise with an
// exact sincos every this many channels so 768-channel rows stay at 1e-13.
constexpr std::size_t kResync = 64;

bool equally_spaced(const double* f, std::size_t n) {
  if (n < 3) return true;
  const double step = f[1] - f[0];
  for (std::size_t k = 2; k < n; ++k) {
    if (std::abs((f[k] - f[k - 1]) - step) > 1e-9 * std::abs(f[k])) return false;
  }
  return true;
}

inline double sinc(double x) { return std::abs(x) < 1e-8 ? 1.0 : std::sin(x) / x; }

}  // namespace

// Sources are taken kLanes at a time with independent phasor recurrences, so the channel loop
// has kLanes dependency chains in flight instead of one (the recurrence is latency-bound).
constexpr std::size_t kLanes = 4;

void predict_points(const double* uvw, std::size_t nbl, const double* freqs, std::size_t nchan,
                    const PointSources& src, double channel_width_hz, double* out,
                    unsigned threads) {
  const bool uniform = equally_spaced(freqs, nchan);
  const double f0 = nchan > 0 ? freqs[0] : 0.0;
  const double df = nchan > 1 ? freqs[1] - freqs[0] : 0.0;
  parallel_for(nbl, threads, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      const double u = uvw[3 * b], v = uvw[3 * b + 1], w = uvw[3 * b + 2];
      double* row = out + 2 * nchan * b;
      if (!uniform) {
        for (std::size_t s = 0; s < src.count; ++s) {
          const double* p = src.lmn1 + 3 * s;
          const double tau = (u * p[0] + v * p[1] + w * p[2]) / kSpeedOfLight;
          const double* a = src.amp + nchan * s;
          const double smear =
              channel_width_hz > 0 ? sinc(kTwoPi * 0.5 * channel_width_hz * tau) : 1.0;
          for (std::size_t c = 0; c < nchan; ++c) {
            const double ph = kTwoPi * freqs[c] * tau;
            row[2 * c] += a[c] * smear * std::cos(ph);
            row[2 * c + 1] += a[c] * smear * std::sin(ph);
          }
        }
        continue;
      }
      for (std::size_t s0 = 0; s0 < src.count; s0 += kLanes) {
        const std::size_t lanes = std::min(kLanes, src.count - s0);
        double tau[kLanes] = {0, 0, 0, 0}, dr[kLanes] = {1, 1, 1, 1}, di[kLanes] = {0, 0, 0, 0};
        double pr[kLanes] = {0, 0, 0, 0}, pi[kLanes] = {0, 0, 0, 0}, sm[kLanes] = {0, 0, 0, 0};
        const double* a[kLanes];
        for (std::size_t k = 0; k < kLanes; ++k) {
          // Unused lanes point at lane 0's spectrum with zero weight.
          const std::size_t s = s0 + (k < lanes ? k : 0);
          const double* p = src.lmn1 + 3 * s;
          tau[k] = (u * p[0] + v * p[1] + w * p[2]) / kSpeedOfLight;
          a[k] = src.amp + nchan * s;
          sm[k] = k < lanes ? (channel_width_hz > 0 ? sinc(kTwoPi * 0.5 * channel_width_hz * tau[k])
                                                    : 1.0)
                            : 0.0;
          const double dph = kTwoPi * df * tau[k];
          dr[k] = std::cos(dph);
          di[k] = std::sin(dph);
        }
        for (std::size_t c = 0; c < nchan; ++c) {
          if (c % kResync == 0) {
            for (std::size_t k = 0; k < kLanes; ++k) {
              const double ph = kTwoPi * (f0 + df * static_cast<double>(c)) * tau[k];
              pr[k] = std::cos(ph);
              pi[k] = std::sin(ph);
            }
          }
          double re = 0, im = 0;
          for (std::size_t k = 0; k < kLanes; ++k) {
            const double ac = a[k][c] * sm[k];
            re += ac * pr[k];
            im += ac * pi[k];
            const double npr = pr[k] * dr[k] - pi[k] * di[k];
            pi[k] = pr[k] * di[k] + pi[k] * dr[k];
            pr[k] = npr;
          }
          row[2 * c] += re;
          row[2 * c + 1] += im;
        }
      }
    }
  });
}

}  // namespace dsa110::predict
