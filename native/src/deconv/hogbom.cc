// Hogbom minor cycle on an active set; see hogbom.h.
#include "deconv/hogbom.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "common/parallel.h"

namespace dsa110::deconv {

namespace {

struct Peak {
  double value = 0;   // signed residual at the peak
  double score = -1;  // what is maximised: |value| (or value when negatives are not allowed)
  std::size_t slot = 0;
};

}  // namespace

CleanResult hogbom(float* residual, const float* psf, const std::uint8_t* mask, double* model,
                   const CleanOptions& opt) {
  if (opt.nx == 0 || opt.ny == 0) throw std::invalid_argument("hogbom: nx and ny must be >= 1");
  if (!(opt.gain > 0 && opt.gain <= 1))
    throw std::invalid_argument("hogbom: gain must be in (0, 1]");
  if (!(opt.stop_level >= 0) || !std::isfinite(opt.stop_level))
    throw std::invalid_argument("hogbom: stop_level must be finite and >= 0");
  if (!(opt.active_fraction > 0 && opt.active_fraction <= 1))
    throw std::invalid_argument("hogbom: active_fraction must be in (0, 1]");
  const std::size_t nx = opt.nx, ny = opt.ny, n = nx * ny;
  const long cx = static_cast<long>(nx / 2), cy = static_cast<long>(ny / 2);
  const unsigned threads = opt.threads < 1 ? 1 : opt.threads;
  auto score_of = [&](double v) { return opt.allow_negative ? std::fabs(v) : v; };

  CleanResult res;
  // Start peak over the whole mask, and the active set.
  const double cut = opt.active_fraction * opt.stop_level;
  std::vector<std::uint32_t> ax, ay;
  std::vector<float> av;
  double start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (mask && !mask[i]) continue;
    const double v = residual[i];
    if (!std::isfinite(v)) continue;
    const double s = score_of(v);
    if (s > start) start = s;
    if (std::fabs(v) >= cut) {
      ax.push_back(static_cast<std::uint32_t>(i % nx));
      ay.push_back(static_cast<std::uint32_t>(i / nx));
      av.push_back(static_cast<float>(v));
    }
  }
  res.start_peak = start;
  res.final_peak = start;
  res.active_pixels = av.size();
  if (av.empty()) {
    res.reason = 2;
    return res;
  }
  const std::size_t na = av.size();
  // Chunks for the threads: each pass subtracts the last component and finds the next peak.
  const std::size_t nchunks = na < 65536 ? 1 : threads;
  std::vector<Peak> peaks(nchunks);
  auto chunk_begin = [&](std::size_t t) { return na * t / nchunks; };
  auto pass = [&](bool subtract, long px, long py, float amp) {
    parallel_for(nchunks, threads, [&](std::size_t t0, std::size_t t1) {
      for (std::size_t t = t0; t < t1; ++t) {
        Peak best;
        for (std::size_t k = chunk_begin(t), e = chunk_begin(t + 1); k < e; ++k) {
          float v = av[k];
          if (subtract) {
            const long ox = cx + static_cast<long>(ax[k]) - px,
                       oy = cy + static_cast<long>(ay[k]) - py;
            if (ox >= 0 && oy >= 0 && ox < static_cast<long>(nx) && oy < static_cast<long>(ny)) {
              v -= amp * psf[static_cast<std::size_t>(oy) * nx + static_cast<std::size_t>(ox)];
              av[k] = v;
            }
          }
          const double s = score_of(v);
          if (s > best.score) {
            best.score = s;
            best.value = v;
            best.slot = k;
          }
        }
        peaks[t] = best;
      }
    });
  };
  auto best_of = [&]() {
    Peak b = peaks[0];
    for (std::size_t t = 1; t < nchunks; ++t)
      if (peaks[t].score > b.score) b = peaks[t];
    return b;
  };

  pass(false, 0, 0, 0);
  Peak p = best_of();
  res.reason = 0;
  while (true) {
    if (!(p.score > opt.stop_level)) {
      res.reason = 0;
      break;
    }
    if (res.iterations >= opt.max_iter) {
      res.reason = 1;
      break;
    }
    const float amp = static_cast<float>(opt.gain * p.value);
    const long px = ax[p.slot], py = ay[p.slot];
    model[static_cast<std::size_t>(py) * nx + static_cast<std::size_t>(px)] += amp;
    ++res.iterations;
    pass(true, px, py, amp);
    p = best_of();
  }
  res.final_peak = p.score < 0 ? 0 : p.score;
  for (std::size_t k = 0; k < na; ++k)
    residual[static_cast<std::size_t>(ay[k]) * nx + ax[k]] = av[k];
  return res;
}

}  // namespace dsa110::deconv
