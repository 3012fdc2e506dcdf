// Basic and SumThreshold flagging, parallel over rows (basic) and baselines (RFI). The RFI
// detector works per baseline and pol on a float32 time x channel plane with loops the
// compiler vectorises (see the notes on speed above flag_rfi).
#include "flag/flag.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/parallel.h"

namespace dsa110::flag {

BasicCounts flag_basic(const float* vis, std::uint8_t* flags, const std::int32_t* ant1,
                       const std::int32_t* ant2, std::size_t rows, std::size_t nchan,
                       std::size_t npol, bool autos, unsigned threads) {
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

// Sliding masked box sum along the outer axis of an (len x width) array, vectorised across
// the `width` inner lanes: out[i] = sum of in[j], j in [i - half, i + half] clipped to [0, len).
void box_outer(const float* in, float* out, std::size_t len, std::size_t width, std::size_t half,
               float* acc) {
  std::fill(acc, acc + width, 0.0f);
  for (std::size_t j = 0; j < std::min(len, half); ++j)
    for (std::size_t k = 0; k < width; ++k) acc[k] += in[j * width + k];
  for (std::size_t i = 0; i < len; ++i) {
    if (i + half < len)
      for (std::size_t k = 0; k < width; ++k) acc[k] += in[(i + half) * width + k];
    if (i > half)
      for (std::size_t k = 0; k < width; ++k) acc[k] -= in[(i - half - 1) * width + k];
    for (std::size_t k = 0; k < width; ++k) out[i * width + k] = acc[k];
  }
}

void transpose(const float* in, float* out, std::size_t rows, std::size_t cols) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[c * rows + r] = in[r * cols + c];
}

// Scratch for one time x channel plane (T x C, time major), reused across baselines.
struct Plane {
  std::size_t T = 0, C = 0, n = 0;
  std::vector<float> amp, x, w, x2, w2, bg, z, zv, use, S, N, S2, N2, tmp, sel, acc;
  std::vector<std::uint8_t> fixed, found, add, any, bins;
  std::vector<double> W, maxr;
  float zmax = 0;  // largest z (0 when none is positive: thresholds are positive)
  void resize(std::size_t t, std::size_t c) {
    T = t;
    C = c;
    n = t * c;
    for (auto* v : {&amp, &x, &w, &x2, &w2, &bg, &z, &zv, &use, &S, &N, &S2, &N2})
      v->assign(n, 0.0f);
    acc.assign(std::max(t, c), 0.0f);
    for (auto* v : {&fixed, &found, &add, &any}) v->assign(n, 0);
  }
};

// Smooth surface of amp over unmasked samples: the (2 ht + 1) x (2 hc + 1) box applied twice,
// as sums of amp and of the unmasked count (box filters commute, so both time boxes run
// first, on the time-major plane, then both channel boxes on its transpose).
void surface(Plane& p, std::size_t ht, std::size_t hc) {
  const std::size_t T = p.T, C = p.C, n = p.n;
  for (std::size_t q = 0; q < n; ++q) {
    const bool m = p.fixed[q] | p.found[q];
    p.w[q] = m ? 0.0f : 1.0f;
    p.x[q] = m ? 0.0f : p.amp[q];
  }
  box_outer(p.x.data(), p.x2.data(), T, C, ht, p.acc.data());
  box_outer(p.x2.data(), p.x.data(), T, C, ht, p.acc.data());
  box_outer(p.w.data(), p.w2.data(), T, C, ht, p.acc.data());
  box_outer(p.w2.data(), p.w.data(), T, C, ht, p.acc.data());
  transpose(p.x.data(), p.x2.data(), T, C);
  transpose(p.w.data(), p.w2.data(), T, C);
  box_outer(p.x2.data(), p.x.data(), C, T, hc, p.acc.data());
  box_outer(p.x.data(), p.x2.data(), C, T, hc, p.acc.data());
  box_outer(p.w2.data(), p.w.data(), C, T, hc, p.acc.data());
  box_outer(p.w.data(), p.w2.data(), C, T, hc, p.acc.data());
  for (std::size_t q = 0; q < n; ++q) p.x[q] = p.w2[q] > 0.5f ? p.x2[q] / p.w2[q] : 0.0f;
  transpose(p.x.data(), p.bg.data(), C, T);
}

// The k-th smallest of v[0, n) (v is overwritten), exactly: a histogram of 256 bins over
// [min, max] finds the bin holding rank k (the bin index is monotonic in the value, so bins
// order the values), then the same on that bin's values, down to a small set for
// nth_element. About 3 passes over the data instead of nth_element's branchy partitions.
float select_kth(float* v, std::size_t n, std::size_t k, std::vector<std::uint8_t>& bins) {
  for (int depth = 0; n > 64 && depth < 4; ++depth) {
    float lo = v[0], hi = v[0];
    for (std::size_t i = 1; i < n; ++i) {
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
    if (!(hi > lo)) return lo;  // all equal
    const float scale = 255.0f / (hi - lo);
    bins.resize(n);
    std::size_t hist[256] = {};
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t b = static_cast<std::uint8_t>(std::min(255.0f, (v[i] - lo) * scale));
      bins[i] = b;
      ++hist[b];
    }
    std::size_t below = 0, b = 0;
    while (below + hist[b] <= k) below += hist[b++];
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (bins[i] == b) v[m++] = v[i];
    n = m;
    k -= below;
  }
  std::nth_element(v, v + k, v + n);
  return v[k];
}

// The h-th smallest of v (h = size / 2, the upper median), as the detector has always used;
// v is left as it was (the selection runs on `work`).
float median_of(const std::vector<float>& v, std::vector<float>& work,
                std::vector<std::uint8_t>& bins) {
  if (v.empty()) return 0;
  work.assign(v.begin(), v.end());
  return select_kth(work.data(), work.size(), work.size() / 2, bins);
}

// use = 1 for samples in the sums (not fixed, not found), else 0; zv = z there, else 0.
void set_counted(Plane& p) {
  const std::uint8_t* __restrict fx = p.fixed.data();
  const std::uint8_t* __restrict fd = p.found.data();
  const float* __restrict z = p.z.data();
  float* __restrict use = p.use.data();
  float* __restrict zv = p.zv.data();
  for (std::size_t q = 0; q < p.n; ++q) {
    const float u = (fx[q] | fd[q]) ? 0.0f : 1.0f;
    use[q] = u;
    zv[q] = u * z[q];
  }
}

// SumThreshold (Offringa et al. 2010) along one axis of the plane: for window sizes M = 1, 2,
// 4, ... <= min(max_window, len), every window of M consecutive samples whose unflagged z
// have a mean above chi / rho^log2(M) is flagged. `step` is the distance between samples of a
// line (1: along channels, C: along time). Samples flagged before (fixed) or by a smaller
// window (found) leave the sums. Window sums of 2M come from those of M (S_2M[i] = S_M[i] +
// S_M[i - M]: one vector add per sample and size), rebuilt from the samples only when a
// detection changes which samples count. Returns whether anything was flagged.
bool sum_threshold(Plane& p, bool along_time, double chi, double rho, std::size_t max_window) {
  const std::size_t T = p.T, C = p.C, n = p.n;
  const std::size_t len = along_time ? T : C;
  const std::size_t step = along_time ? C : 1;
  const std::size_t top = std::min(max_window, len);
  // No window mean exceeds the largest z counted (p.zmax, from when z was computed: samples
  // only leave the sums since); sizes whose threshold is above it cannot flag anything, so the
  // scan starts at the first size that can.
  const float zmax = p.zmax;
  set_counted(p);
  auto threshold = [&](std::size_t M) {
    return chi / std::pow(rho, std::log2(static_cast<double>(M)));
  };
  std::size_t M0 = 1;
  while (M0 <= top && threshold(M0) > static_cast<double>(zmax) * (1 + 1e-5)) M0 *= 2;
  if (M0 > top) return false;
  // Valid windows end at line position i >= M - 1: one range of the flat array along time,
  // a range per row along channels.
  auto for_valid = [&](std::size_t M, auto&& fn) {
    if (along_time) {
      fn(std::size_t{(M - 1) * C}, n);
    } else {
      for (std::size_t t = 0; t < T; ++t) fn(t * C + M - 1, (t + 1) * C);
    }
  };
  // S, N <- window sums of size M of zv, use (doubling from size 1).
  auto build = [&](std::size_t M) {
    std::copy(p.zv.begin(), p.zv.end(), p.S.begin());
    std::copy(p.use.begin(), p.use.end(), p.N.begin());
    for (std::size_t m = 1; m < M; m *= 2) {
      const std::size_t off = m * step;
      for_valid(2 * m, [&](std::size_t a, std::size_t b) {
        float* __restrict s2 = p.S2.data();
        float* __restrict n2 = p.N2.data();
        const float* __restrict s = p.S.data();
        const float* __restrict c = p.N.data();
        for (std::size_t q = a; q < b; ++q) {
          s2[q] = s[q] + s[q - off];
          n2[q] = c[q] + c[q - off];
        }
      });
      p.S.swap(p.S2);
      p.N.swap(p.N2);
    }
  };
  build(M0);
  bool any_found = false;
  for (std::size_t M = M0; M <= top; M *= 2) {
    if (M > M0) {
      const std::size_t off = (M / 2) * step;
      for_valid(M, [&](std::size_t a, std::size_t b) {
        float* __restrict s2 = p.S2.data();
        float* __restrict n2 = p.N2.data();
        const float* __restrict s = p.S.data();
        const float* __restrict c = p.N.data();
        for (std::size_t q = a; q < b; ++q) {
          s2[q] = s[q] + s[q - off];
          n2[q] = c[q] + c[q - off];
        }
      });
      p.S.swap(p.S2);
      p.N.swap(p.N2);
    }
    const float thr = static_cast<float>(threshold(M));
    int hit = 0;
    for_valid(M, [&](std::size_t a, std::size_t b) {
      const float* __restrict s = p.S.data();
      const float* __restrict c = p.N.data();
      int h = 0;
      for (std::size_t q = a; q < b; ++q) h |= (c[q] > 0.0f) & (s[q] > thr * c[q]);
      hit |= h;
    });
    if (!hit) continue;
    // Rare: mark the windows, add them to `found`, and rebuild the sums without them.
    std::fill(p.add.begin(), p.add.end(), 0);
    for_valid(M, [&](std::size_t a, std::size_t b) {
      for (std::size_t q = a; q < b; ++q)
        if (p.N[q] > 0.0f && p.S[q] > thr * p.N[q])
          for (std::size_t j = 0; j < M; ++j) p.add[q - j * step] = 1;
    });
    for (std::size_t q = 0; q < n; ++q) p.found[q] |= p.add[q];
    set_counted(p);
    any_found = true;
    if (2 * M <= top) build(2 * M);
    M0 = 2 * M;  // the next size is built, not doubled
  }
  return any_found;
}

// Scale-invariant rank operator on one line: sample i is flagged when some interval containing
// it has a flagged fraction >= 1 - eta. With x = eta (flagged) or eta - 1 (not) and prefix sums
// W, that is max_{j > i} W[j] - min_{k <= i} W[k] >= 0.
void sir_line(std::vector<std::uint8_t>& m, std::size_t len, std::size_t b, std::size_t step,
              double eta, std::vector<double>& W, std::vector<double>& maxr) {
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

// The detector on one pol's plane (p.amp and p.fixed filled); detections in p.found.
void detect(Plane& p, const RfiOptions& opt) {
  const std::size_t n = p.n;
  std::fill(p.found.begin(), p.found.end(), 0);
  std::size_t live = 0;
  for (std::size_t q = 0; q < n; ++q) live += p.fixed[q] ? 0 : 1;
  if (live < 8) return;
  // The surface, noise and z depend only on the mask (fixed | found): a pass that flags
  // nothing leaves them as they are for the next, lower threshold.
  bool current = false;
  for (int pass = 0; pass < opt.passes; ++pass) {
    const double chi = opt.threshold * std::pow(2.0, opt.passes - 1 - pass);
    if (!current) {
      surface(p, opt.half_time, opt.half_chan);
      p.tmp.clear();
      for (std::size_t q = 0; q < n; ++q)
        if (!(p.fixed[q] | p.found[q])) p.tmp.push_back(p.amp[q] - p.bg[q]);
      if (p.tmp.size() < 8) break;
      const float med = median_of(p.tmp, p.sel, p.bins);
      for (float& v : p.tmp) v = std::abs(v - med);
      const double sigma = 1.4826 * static_cast<double>(median_of(p.tmp, p.sel, p.bins));
      if (!(sigma > 0)) break;
      const float inv = static_cast<float>(1.0 / sigma);
      for (std::size_t q = 0; q < n; ++q)
        p.z[q] = (p.fixed[q] | p.found[q]) ? 0.0f : (p.amp[q] - p.bg[q] - med) * inv;
      // The largest z, over 8 lanes (a single running max would chain every sample).
      float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      std::size_t q = 0;
      for (; q + 8 <= n; q += 8)
        for (std::size_t k = 0; k < 8; ++k) lane[k] = std::max(lane[k], p.z[q + k]);
      for (; q < n; ++q) lane[0] = std::max(lane[0], p.z[q]);
      p.zmax = *std::max_element(lane, lane + 8);
      current = true;
    }
    const bool a = sum_threshold(p, false, chi, opt.rho, opt.max_window);  // along channels
    const bool b = sum_threshold(p, true, chi, opt.rho, opt.max_window);   // along time
    if (a || b) current = false;
  }
  if (opt.sir_eta > 0) {
    bool some = false;
    for (std::size_t q = 0; q < n && !some; ++q) some = p.found[q] != 0;
    // With nothing flagged every interval's fraction is 0 < 1 - eta: nothing to dilate.
    if (some) {
      for (std::size_t t = 0; t < p.T; ++t)
        sir_line(p.found, p.C, t * p.C, 1, opt.sir_eta, p.W, p.maxr);
      for (std::size_t c = 0; c < p.C; ++c)
        sir_line(p.found, p.T, c, p.C, opt.sir_eta, p.W, p.maxr);
    }
  }
}

}  // namespace

// Speed: per plane the surface, the robust noise and z are recomputed only when a pass has
// flagged something (a clean plane computes them once for its three passes); SumThreshold
// builds window sums by doubling and starts at the first window size whose threshold the
// plane's largest z reaches; everything is float32 (the sums of at most max_window z and
// the box sums keep ~1e-6 relative error, far below the thresholds' resolution).
std::size_t flag_rfi(const float* vis, std::uint8_t* flags, std::size_t rows,
                     const std::int32_t* grid, std::size_t nbl, std::size_t ntime,
                     std::size_t nchan, std::size_t npol, const RfiOptions& opt) {
  for (std::size_t i = 0; i < nbl * ntime; ++i)
    if (grid[i] >= 0 && static_cast<std::size_t>(grid[i]) >= rows)
      throw std::invalid_argument("grid entry " + std::to_string(i) + " is row " +
                                  std::to_string(grid[i]) + " but there are " +
                                  std::to_string(rows) + " rows");
  std::atomic<std::size_t> total{0};
  const std::size_t T = ntime, Cn = nchan;
  // Units of a few baselines: small enough to balance two threads, large enough that the
  // shared counter is not contended.
  const std::size_t per_unit = 8;
  const std::size_t units = (nbl + per_unit - 1) / per_unit;
  const std::size_t nt = std::max<std::size_t>(1, std::min<std::size_t>(opt.threads, units));
  std::vector<Plane> scratch(nt);
  std::atomic<std::size_t> next_unit{0};
  dynamic_for(nt, static_cast<unsigned>(nt), [&](std::size_t slot) {
    Plane& p = scratch[slot];
    p.resize(T, Cn);
    const std::size_t n = p.n;
    // A unit's amplitudes and input flags, [baseline][pol][time][chan]: gathered time by time,
    // where the unit's rows lie side by side in memory (rows are time-major in an MS).
    std::vector<float> amps(per_unit * npol * n);
    std::vector<std::uint8_t> fixed(per_unit * npol * n);
    std::vector<float> rowamp(nchan * npol);
    std::vector<std::vector<std::uint8_t>> per_pol(opt.combine_pols ? 0 : npol);
    std::size_t count = 0;
    for (std::size_t u = next_unit.fetch_add(1); u < units; u = next_unit.fetch_add(1)) {
      const std::size_t b0 = u * per_unit, b1 = std::min(nbl, (u + 1) * per_unit);
      for (std::size_t t = 0; t < T; ++t) {
        for (std::size_t b = b0; b < b1; ++b) {
          const std::int32_t row = grid[b * T + t];
          if (row >= 0) {
            // The row's amplitudes, all pols at once (a loop the compiler vectorises).
            const float* __restrict v = vis + 2 * static_cast<std::size_t>(row) * nchan * npol;
            float* __restrict m = rowamp.data();
            for (std::size_t k = 0; k < nchan * npol; ++k)
              m[k] = std::sqrt(v[2 * k] * v[2 * k] + v[2 * k + 1] * v[2 * k + 1]);
          }
          for (std::size_t pol = 0; pol < npol; ++pol) {
            float* a = amps.data() + ((b - b0) * npol + pol) * n + t * Cn;
            std::uint8_t* f = fixed.data() + ((b - b0) * npol + pol) * n + t * Cn;
            if (row < 0) {
              std::fill(a, a + Cn, 0.0f);
              std::fill(f, f + Cn, 1);
              continue;
            }
            const std::uint8_t* fl = flags + static_cast<std::size_t>(row) * nchan * npol + pol;
            const float* m = rowamp.data() + pol;
            for (std::size_t c = 0; c < Cn; ++c) {
              a[c] = m[c * npol];
              f[c] = (fl[c * npol] != 0) | !std::isfinite(m[c * npol]);
            }
          }
        }
      }
      for (std::size_t b = b0; b < b1; ++b) {
        const std::int32_t* rws = grid + b * T;
        std::fill(p.any.begin(), p.any.end(), 0);
        for (std::size_t pol = 0; pol < npol; ++pol) {
          const std::size_t o = ((b - b0) * npol + pol) * n;
          std::copy(amps.begin() + static_cast<std::ptrdiff_t>(o),
                    amps.begin() + static_cast<std::ptrdiff_t>(o + n), p.amp.begin());
          std::copy(fixed.begin() + static_cast<std::ptrdiff_t>(o),
                    fixed.begin() + static_cast<std::ptrdiff_t>(o + n), p.fixed.begin());
          detect(p, opt);
          for (std::size_t q = 0; q < n; ++q) p.any[q] |= p.found[q];
          if (!opt.combine_pols) per_pol[pol] = p.found;
        }
        for (std::size_t pol = 0; pol < npol; ++pol) {
          const std::vector<std::uint8_t>& f = opt.combine_pols ? p.any : per_pol[pol];
          for (std::size_t t = 0; t < T; ++t) {
            if (rws[t] < 0) continue;
            for (std::size_t c = 0; c < Cn; ++c) {
              if (!f[t * Cn + c]) continue;
              const std::size_t idx = (static_cast<std::size_t>(rws[t]) * nchan + c) * npol + pol;
              if (!flags[idx]) {
                flags[idx] = 1;
                ++count;
              }
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
