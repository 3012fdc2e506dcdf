// w-gridding entry points: the data is checked and scanned (|w| range, weights), visibilities
// are bucketed once by (first w plane, uv tile), and the plan's drivers (grid.cc, degrid.cc) run.
// The kernel and plan are in kernel.cc and plan.cc, the per-visibility code in visit.h.
#include "gridder/wgridder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/parallel.h"
#include "gridder/plan.h"
#include "gridder/visit.h"

namespace dsa110::gridder {
namespace {

constexpr std::size_t kRowBlock = 256;

struct Scan {
  double wmin = std::numeric_limits<double>::infinity();
  double wmax = -std::numeric_limits<double>::infinity();
  std::size_t nvis = 0;
  double sumw = 0;
};

// The |w| range, count and weight sum of the visibilities with weight != 0.
Scan scan(const Layout& d, unsigned threads) {
  Scan total;
  std::mutex mu;
  parallel_for(d.nrows, threads, [&](std::size_t r0, std::size_t r1) {
    Scan s;
    for (std::size_t r = r0; r < r1; ++r) {
      const double w = std::abs(d.uvw[3 * r + 2]);
      for (std::size_t c = 0; c < d.nchan; ++c) {
        const float wt = d.weights ? d.weights[r * d.nchan + c] : 1.0f;
        if (wt == 0) continue;
        const double wl = w * d.freqs[c] / kSpeedOfLight;
        s.wmin = std::min(s.wmin, wl);
        s.wmax = std::max(s.wmax, wl);
        ++s.nvis;
        s.sumw += wt;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    total.wmin = std::min(total.wmin, s.wmin);
    total.wmax = std::max(total.wmax, s.wmax);
    total.nvis += s.nvis;
    total.sumw += s.sumw;
  });
  if (total.nvis == 0) total.wmin = total.wmax = 0;
  return total;
}

// Runs of channels per first w plane, each list sorted by tile (rows in order within a tile),
// and the grid columns the tiles' buffers reach.
Buckets bucket(const Layout& d, const Plan& p) {
  const int W = p.kernel.support;
  const double inv_nu = 1.0 / static_cast<double>(p.nu), inv_nv = 1.0 / static_cast<double>(p.nv);
  const double inv_dw = p.wgrid ? 1.0 / p.dw : 0.0;
  const double fmax = *std::max_element(d.freqs, d.freqs + d.nchan);
  const std::size_t nblocks = (d.nrows + kRowBlock - 1) / kRowBlock;
  std::vector<std::vector<std::pair<std::uint32_t, Item>>> found(nblocks);
  parallel_for(nblocks, p.opt.threads, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      auto& out = found[b];
      for (std::size_t r = b * kRowBlock; r < std::min(d.nrows, (b + 1) * kRowBlock); ++r) {
        const double* uvw = d.uvw + 3 * r;
        const double s = (p.wgrid && uvw[2] < 0) ? -1.0 : 1.0;
        const double au = p.ufac * (s * uvw[0]), av = p.vfac * (s * uvw[1]);
        // |g| < n - W - 2 on the whole band: the first cell needs at most one wrap, no fold.
        const bool near = std::abs(au) * fmax + W + 2 < static_cast<double>(p.nu) && std::abs(av) * fmax + W + 2 < static_cast<double>(p.nv);
        bool open = false;
        std::uint32_t plane = 0, tile = 0;
        for (std::size_t c = 0; c < d.nchan; ++c) {
          const float wt = d.weights ? d.weights[r * d.nchan + c] : 1.0f;
          if (wt == 0) {
            open = false;
            continue;
          }
          const double f = d.freqs[c];
          int fu, fv;
          if (near) {
            fu = ifloor(au * f - 0.5 * W) + 1;
            fv = ifloor(av * f - 0.5 * W) + 1;
            if (fu < 0) fu += static_cast<int>(p.nu);
            if (fv < 0) fv += static_cast<int>(p.nv);
          } else {
            fu = locate(au * f, p.nu, inv_nu, W).first;
            fv = locate(av * f, p.nv, inv_nv, W).first;
          }
          const std::uint32_t t = static_cast<std::uint32_t>((fv / kTile) * static_cast<int>(p.ntu) + fu / kTile);
          std::uint32_t pl = 0;
          if (p.wgrid) {
            const int first = locate_w((s * uvw[2]) * f / kSpeedOfLight, p.w0, inv_dw, W).first;
            pl = static_cast<std::uint32_t>(std::clamp<int>(first, 0, static_cast<int>(p.nbuckets) - 1));
          }
          if (open && pl == plane && t == tile) {
            out.back().second.ch1 = static_cast<std::uint32_t>(c + 1);
          } else {
            out.push_back({pl, Item{static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(c + 1), t}});
            plane = pl;
            tile = t;
            open = true;
          }
        }
      }
    }
  });
  Buckets out;
  std::vector<std::vector<Item>>& buckets = out.lists;
  buckets.resize(p.nbuckets);
  std::vector<std::size_t> counts(p.nbuckets, 0);
  for (const auto& f : found)
    for (const auto& e : f) ++counts[e.first];
  for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i].reserve(counts[i]);
  for (auto& f : found) {
    for (const auto& e : f) buckets[e.first].push_back(e.second);
    std::vector<std::pair<std::uint32_t, Item>>().swap(f);
  }
  parallel_for(buckets.size(), p.opt.threads, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b)
      std::stable_sort(buckets[b].begin(), buckets[b].end(), [](const Item& x, const Item& y) { return x.tile < y.tile; });
  });
  // A tile's buffer spans kTile + W + 1 columns from one before the tile.
  std::vector<char> tcols(p.ntu, 0);
  for (const auto& list : buckets)
    for (const Item& it : list) tcols[it.tile % p.ntu] = 1;
  out.ucols.assign(p.nu, 0);
  for (std::size_t tu = 0; tu < p.ntu; ++tu)
    if (tcols[tu])
      for (int a = 0; a < kTile + W + 1; ++a) out.ucols[wrap_index(static_cast<int>(tu) * kTile - 1 + a, p.nu)] = 1;
  return out;
}

void check_layout(const Layout& d, bool need_weights) {
  if (!d.uvw && d.nrows > 0) throw std::invalid_argument("uvw is missing");
  if (!d.freqs || d.nchan == 0) throw std::invalid_argument("freqs must hold at least one frequency");
  if (need_weights && !d.weights) throw std::invalid_argument("weights are required for gridding");
  if (d.nrows > 0xFFFFFFFFull || d.nchan > 0xFFFFFFFFull) throw std::invalid_argument("more than 2^32 rows or channels");
  for (std::size_t c = 0; c < d.nchan; ++c)
    if (!(d.freqs[c] > 0) || !std::isfinite(d.freqs[c])) throw std::invalid_argument("freqs must be finite and > 0 Hz");
  for (std::size_t i = 0; i < 3 * d.nrows; ++i)
    if (!std::isfinite(d.uvw[i])) throw std::invalid_argument("uvw must be finite");
}

}  // namespace

Info plan(const Options& opt, double wmin, double wmax, std::size_t nvis) {
  return make_plan(opt, wmin, wmax, nvis, sizeof(float)).info;
}

namespace {
std::string format_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

template <typename T>
void check_precision(const Options& opt) {
  // float32 grids and FFTs bottom out near 1e-6 relative; double kernels near 1e-13.
  const double floor = sizeof(T) == sizeof(float) ? 1e-6 : 1e-13;
  if (opt.epsilon < floor)
    throw std::invalid_argument("epsilon " + format_g(opt.epsilon) + " is below what " +
                                (sizeof(T) == sizeof(float) ? "float32 (1e-6)" : "float64 (1e-13)") + " can reach");
}

template <typename T>
Info grid(const Layout& d, const T* vis, const Options& opt, T* dirty) {
  check_options(opt);
  check_precision<T>(opt);
  check_layout(d, true);
  const Scan s = scan(d, opt.threads);
  Plan p = make_plan(opt, s.wmin, s.wmax, s.nvis, sizeof(T));
  p.info.sum_weights = s.sumw;
  const auto buckets = bucket(d, p);
  grid_planes<T>(p, d, buckets, vis, dirty);
  return p.info;
}

template <typename T>
Info degrid(const Layout& d, const T* image, const Options& opt, T* vis) {
  check_options(opt);
  check_precision<T>(opt);
  check_layout(d, false);
  const Scan s = scan(d, opt.threads);
  Plan p = make_plan(opt, s.wmin, s.wmax, s.nvis, sizeof(T));
  p.info.sum_weights = s.sumw;
  const auto buckets = bucket(d, p);
  degrid_planes<T>(p, d, buckets, image, vis);
  return p.info;
}

template Info grid<float>(const Layout&, const float*, const Options&, float*);
template Info grid<double>(const Layout&, const double*, const Options&, double*);
template Info degrid<float>(const Layout&, const float*, const Options&, float*);
template Info degrid<double>(const Layout&, const double*, const Options&, double*);

}  // namespace dsa110::gridder
