// Basic and SumThreshold flagging, parallel over rows (basic) and baselines (RFI).
#include "flag/flag.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/parallel.h"

namespace dsa110::flag {

BasicCounts flag_basic(const float* vis, std::uint8_t* flags, const std::int32_t* ant1, const std::int32_t* ant2,
                       std::size_t rows, std::size_t nchan, std::size_t npol, bool autos, unsigned threads) {
  std::atomic<std::size_t> na{0}, nz{0}, nn{0};
  parallel_for(rows, threads, [&](std::size_t r0, std::size_t r1) {
    std::size_t a = 0, z = 0, n = 0;
    const std::size_t per = nchan * npol;
    for (std::size_t r = r0; r < r1; ++r) {
      std::uint8_t* f = flags + r * per;
      const float* v = vis + 2 * r * per;
      if (autos && ant1[r] == ant2[r]) {
        for (std::size_t q = 0; q < per; ++q)
          if (!f[q]) {
            f[q] = 1;
            ++a;
          }
        continue;
      }
      for (std::size_t q = 0; q < per; ++q) {
        if (f[q]) continue;
        const float re = v[2 * q], im = v[2 * q + 1];
        if (!std::isfinite(re) || !std::isfinite(im)) {
          f[q] = 1;
          ++n;
        } else if (re == 0.0f && im == 0.0f) {
          f[q] = 1;
          ++z;
        }
      }
    }
    na += a;
    nz += z;
    nn += n;
  });
  return BasicCounts{na.load(), nz.load(), nn.load()};
}

namespace {

// Masked box smoothing along one axis of an (n_outer x n_inner) plane, where consecutive
// elements along the axis are `step` apart: out = sum of x over the window / sum of w.
void box(const std::vector<double>& x, const std::vector<double>& w, std::vector<double>& xo, std::vector<double>& wo,
         std::size_t len, std::size_t count, std::size_t step, std::size_t stride, std::size_t half) {
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t b = k * stride;
    double sx = 0, sw = 0;
    // Window [i - half, i + half] clipped to [0, len).
    for (std::size_t j = 0; j < std::min(len, half); ++j) {
      sx += x[b + j * step];
      sw += w[b + j * step];
    }
    for (std::size_t i = 0; i < len; ++i) {
      if (i + half < len) {
        sx += x[b + (i + half) * step];
        sw += w[b + (i + half) * step];
      }
      if (i > half) {
        sx -= x[b + (i - half - 1) * step];
        sw -= w[b + (i - half - 1) * step];
      }
      xo[b + i * step] = sx;
      wo[b + i * step] = sw;
    }
  }
}

// Smooth surface of amp (T x C) over unmasked samples: a box of (2 ht + 1) x (2 hc + 1), twice.
struct SurfaceScratch {
  std::vector<double> x, w, x2, w2;
};

void surface(const std::vector<double>& amp, const std::vector<std::uint8_t>& mask, std::size_t T, std::size_t Cn,
             std::size_t ht, std::size_t hc, std::vector<double>& out, SurfaceScratch& s) {
  std::vector<double>& x = s.x;
  std::vector<double>& w = s.w;
  std::vector<double>& x2 = s.x2;
  std::vector<double>& w2 = s.w2;
  x.resize(T * Cn);
  w.resize(T * Cn);
  x2.resize(T * Cn);
  w2.resize(T * Cn);
  for (std::size_t i = 0; i < T * Cn; ++i) {
    w[i] = mask[i] ? 0.0 : 1.0;
    x[i] = mask[i] ? 0.0 : amp[i];
  }
  for (int rep = 0; rep < 2; ++rep) {
    box(x, w, x2, w2, Cn, T, 1, Cn, hc);   // along channels, per time
    box(x2, w2, x, w, T, Cn, Cn, 1, ht);   // along time, per channel
  }
  out.resize(T * Cn);
  for (std::size_t i = 0; i < T * Cn; ++i) out[i] = w[i] > 1e-9 ? x[i] / w[i] : 0.0;
}

// SumThreshold along lines of `len` samples (stride between samples `step`, `count` lines
// `stride` apart): a window of M samples is flagged when the mean of its unflagged z exceeds
// chi / rho^log2(M). `fixed` marks samples excluded from the sums (input flags); `found`
// carries the detections, which also leave the sums (equivalent to Offringa's replacement of
// flagged values by the threshold).
void sum_threshold(const std::vector<double>& z, const std::vector<std::uint8_t>& fixed, std::vector<std::uint8_t>& found,
                   std::size_t len, std::size_t count, std::size_t step, std::size_t stride, double chi, double rho,
                   std::size_t max_window, std::vector<double>& zv, std::vector<std::uint8_t>& use,
                   std::vector<std::uint8_t>& add) {
  add.assign(found.size(), 0);
  zv.resize(found.size());
  use.resize(found.size());
  for (std::size_t M = 1; M <= std::min(max_window, len); M *= 2) {
    const double thr = chi / std::pow(rho, std::log2(static_cast<double>(M)));
    // `found` only grows between window sizes, so the samples in the sums are fixed for one M:
    // zero the others once and slide without branches (adding 0.0 leaves the sums unchanged).
    for (std::size_t q = 0; q < found.size(); ++q) {
      const bool u = !fixed[q] && !found[q];
      use[q] = u ? 1 : 0;
      zv[q] = u ? z[q] : 0.0;
    }
    std::fill(add.begin(), add.end(), 0);
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t b = k * stride;
      double s = 0;
      double n = 0;  // a count, kept in double (exact) to spare a conversion per sample
      for (std::size_t i = 0; i < len; ++i) {
        const std::size_t q = b + i * step;
        s += zv[q];
        n += use[q];
        if (i >= M) {
          const std::size_t o = b + (i - M) * step;
          s -= zv[o];
          n -= use[o];
        }
        if (i + 1 >= M && n > 0 && s > thr * n) {
          for (std::size_t j = i + 1 - M; j <= i; ++j) add[b + j * step] = 1;
        }
      }
    }
    for (std::size_t q = 0; q < found.size(); ++q) found[q] |= add[q];
  }
}

// Scale-invariant rank operator on one line: sample i is flagged when some interval containing
// it has a flagged fraction >= 1 - eta. With x = eta (flagged) or eta - 1 (not) and prefix sums
// W, that is max_{j > i} W[j] - min_{k <= i} W[k] >= 0.
void sir_line(std::vector<std::uint8_t>& m, std::size_t len, std::size_t b, std::size_t step, double eta,
              std::vector<double>& W, std::vector<double>& maxr) {
  W.assign(len + 1, 0.0);
  for (std::size_t i = 0; i < len; ++i) W[i + 1] = W[i] + (m[b + i * step] ? eta : eta - 1.0);
  maxr.assign(len + 1, 0.0);
  maxr[len] = W[len];
  for (std::size_t i = len; i-- > 0;) maxr[i] = std::max(maxr[i + 1], W[i]);
  double minl = W[0];
  for (std::size_t i = 0; i < len; ++i) {
    minl = std::min(minl, W[i]);
    if (maxr[i + 1] - minl >= 0) m[b + i * step] = 1;
  }
}

double median_of(std::vector<double>& v) {
  if (v.empty()) return 0;
  const std::size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
  return v[h];
}

}  // namespace

std::size_t flag_rfi(const float* vis, std::uint8_t* flags, std::size_t rows, const std::int32_t* grid, std::size_t nbl,
                     std::size_t ntime, std::size_t nchan, std::size_t npol, const RfiOptions& opt) {
  for (std::size_t i = 0; i < nbl * ntime; ++i)
    if (grid[i] >= 0 && static_cast<std::size_t>(grid[i]) >= rows)
      throw std::invalid_argument("grid entry " + std::to_string(i) + " is row " + std::to_string(grid[i]) +
                                  " but there are " + std::to_string(rows) + " rows");
  std::atomic<std::size_t> total{0};
  const std::size_t T = ntime, Cn = nchan, n = T * Cn;
  parallel_for(nbl, opt.threads, [&](std::size_t b0, std::size_t b1) {
    std::vector<double> amp(n), bg, z(n), tmp, W, maxr, zv;
    std::vector<std::uint8_t> fixed(n), found(n), any(n), mask(n), use, add;
    SurfaceScratch scratch;
    std::size_t count = 0;
    for (std::size_t b = b0; b < b1; ++b) {
      const std::int32_t* rws = grid + b * T;
      std::fill(any.begin(), any.end(), 0);
      std::vector<std::vector<std::uint8_t>> per_pol;
      for (std::size_t p = 0; p < npol; ++p) {
        std::size_t live = 0;
        for (std::size_t t = 0; t < T; ++t) {
          for (std::size_t c = 0; c < Cn; ++c) {
            const std::size_t q = t * Cn + c;
            if (rws[t] < 0) {
              fixed[q] = 1;
              amp[q] = 0;
              continue;
            }
            const std::size_t idx = (static_cast<std::size_t>(rws[t]) * nchan + c) * npol + p;
            fixed[q] = flags[idx] ? 1 : 0;
            // Float squares are exact in double: sqrt of their sum is as accurate as hypot, and faster.
            const double re = vis[2 * idx], im = vis[2 * idx + 1];
            amp[q] = std::sqrt(re * re + im * im);
            if (!std::isfinite(amp[q])) fixed[q] = 1;
            if (!fixed[q]) ++live;
          }
        }
        std::fill(found.begin(), found.end(), 0);
        if (live >= 8) {
          for (int pass = 0; pass < opt.passes; ++pass) {
            const double chi = opt.threshold * std::pow(2.0, opt.passes - 1 - pass);
            for (std::size_t q = 0; q < n; ++q) mask[q] = fixed[q] | found[q];
            surface(amp, mask, T, Cn, opt.half_time, opt.half_chan, bg, scratch);
            tmp.clear();
            for (std::size_t q = 0; q < n; ++q)
              if (!mask[q]) tmp.push_back(amp[q] - bg[q]);
            if (tmp.size() < 8) break;
            const double med = median_of(tmp);
            for (double& x : tmp) x = std::abs(x - med);
            const double sigma = 1.4826 * median_of(tmp);
            if (!(sigma > 0)) break;
            for (std::size_t q = 0; q < n; ++q) z[q] = mask[q] ? 0.0 : (amp[q] - bg[q] - med) / sigma;
            sum_threshold(z, fixed, found, Cn, T, 1, Cn, chi, opt.rho, opt.max_window, zv, use, add);  // along channels
            sum_threshold(z, fixed, found, T, Cn, Cn, 1, chi, opt.rho, opt.max_window, zv, use, add);  // along time
          }
          if (opt.sir_eta > 0) {
            for (std::size_t t = 0; t < T; ++t) sir_line(found, Cn, t * Cn, 1, opt.sir_eta, W, maxr);
            for (std::size_t c = 0; c < Cn; ++c) sir_line(found, T, c, Cn, opt.sir_eta, W, maxr);
          }
        }
        for (std::size_t q = 0; q < n; ++q) any[q] |= found[q];
        if (!opt.combine_pols) per_pol.push_back(found);
      }
      for (std::size_t p = 0; p < npol; ++p) {
        const std::vector<std::uint8_t>& f = opt.combine_pols ? any : per_pol[p];
        for (std::size_t t = 0; t < T; ++t) {
          if (rws[t] < 0) continue;
          for (std::size_t c = 0; c < Cn; ++c) {
            if (!f[t * Cn + c]) continue;
            const std::size_t idx = (static_cast<std::size_t>(rws[t]) * nchan + c) * npol + p;
            if (!flags[idx]) {
              flags[idx] = 1;
              ++count;
            }
          }
        }
      }
    }
    total += count;
  });
  return total.load();
}

}  // namespace dsa110::flag
