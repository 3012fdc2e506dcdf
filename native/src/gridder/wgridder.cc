// w-gridding entry points: the data is checked and scanned (|w| range, weights), visibilities
// are bucketed once by (first w plane, uv tile), and the plan's drivers (grid.cc, degrid.cc) run.
// Sessions keep a plan, its buckets and the plane-grid memory from call to call.
// The kernel and plan are in kernel.cc and plan.cc, the per-visibility code in visit.h.
#include "gridder/wgridder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/parallel.h"
#include "gridder/plan.h"
#include "gridder/steps.h"
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
      // |w| f / c is monotonic in f: the row's extremes come from its extreme used frequencies.
      double flo = std::numeric_limits<double>::infinity(), fhi = -flo;
      for (std::size_t c = 0; c < d.nchan; ++c) {
        const float wt = d.weights ? d.weights[r * d.nchan + c] : 1.0f;
        if (wt == 0) continue;
        flo = std::min(flo, d.freqs[c]);
        fhi = std::max(fhi, d.freqs[c]);
        ++s.nvis;
        s.sumw += wt;
      }
      if (flo > fhi) continue;
      const double w = std::abs(d.uvw[3 * r + 2]);
      s.wmin = std::min(s.wmin, w * flo / kSpeedOfLight);
      s.wmax = std::max(s.wmax, w * fhi / kSpeedOfLight);
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
        const bool near = std::abs(au) * fmax + W + 2 < static_cast<double>(p.nu) &&
                          std::abs(av) * fmax + W + 2 < static_cast<double>(p.nv);
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
          const std::uint32_t t =
              static_cast<std::uint32_t>((fv / kTile) * static_cast<int>(p.ntu) + fu / kTile);
          std::uint32_t pl = 0;
          if (p.wgrid) {
            const int first = locate_w((s * uvw[2]) * f / kSpeedOfLight, p.w0, inv_dw, W).first;
            pl = static_cast<std::uint32_t>(
                std::clamp<int>(first, 0, static_cast<int>(p.nbuckets) - 1));
          }
          if (open && pl == plane && t == tile) {
            out.back().second.ch1 = static_cast<std::uint32_t>(c + 1);
          } else {
            out.push_back({pl, Item{static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(c),
                                    static_cast<std::uint32_t>(c + 1), t}});
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
      std::stable_sort(buckets[b].begin(), buckets[b].end(),
                       [](const Item& x, const Item& y) { return x.tile < y.tile; });
  });
  // A tile's buffer spans kTile + W + 1 columns from one before the tile.
  std::vector<char> tcols(p.ntu, 0);
  for (const auto& list : buckets)
    for (const Item& it : list) tcols[it.tile % p.ntu] = 1;
  out.ucols.assign(p.nu, 0);
  for (std::size_t tu = 0; tu < p.ntu; ++tu)
    if (tcols[tu])
      for (int a = 0; a < kTile + W + 1; ++a)
        out.ucols[wrap_index(static_cast<int>(tu) * kTile - 1 + a, p.nu)] = 1;
  return out;
}

void check_layout(const Layout& d, bool need_weights) {
  if (!d.uvw && d.nrows > 0) throw std::invalid_argument("uvw is missing");
  if (!d.freqs || d.nchan == 0)
    throw std::invalid_argument("freqs must hold at least one frequency");
  if (need_weights && !d.weights) throw std::invalid_argument("weights are required for gridding");
  if (d.nrows > 0xFFFFFFFFull || d.nchan > 0xFFFFFFFFull)
    throw std::invalid_argument("more than 2^32 rows or channels");
  for (std::size_t c = 0; c < d.nchan; ++c)
    if (!(d.freqs[c] > 0) || !std::isfinite(d.freqs[c]))
      throw std::invalid_argument("freqs must be finite and > 0 Hz");
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
    throw std::invalid_argument(
        "epsilon " + format_g(opt.epsilon) + " is below what " +
        (sizeof(T) == sizeof(float) ? "float32 (1e-6)" : "float64 (1e-13)") + " can reach");
}

namespace {

// What a session keeps, and the data and options it was made for.
struct Session {
  std::mutex busy;  // held by the call using it
  const double* uvw = nullptr;
  std::size_t nrows = 0;
  const float* weights = nullptr;
  std::vector<double> freqs;
  Options opt;
  std::size_t value_bytes = 0;
  Scan scan;
  Plan plan;  // with corr and phasors
  Buckets buckets;
  std::unique_ptr<PlaneMemory> memory, model_memory;  // the second set only for residual()
  Scratch scratch;
  std::uint64_t used = 0;

  bool serves(const Layout& d, const Options& o, std::size_t vb, const Scan& s) const {
    return uvw == d.uvw && nrows == d.nrows && weights == d.weights && freqs.size() == d.nchan &&
           std::equal(freqs.begin(), freqs.end(), d.freqs) && opt.nx == o.nx && opt.ny == o.ny &&
           opt.pixel_l == o.pixel_l && opt.pixel_m == o.pixel_m && opt.epsilon == o.epsilon &&
           opt.sigma == o.sigma && opt.wgridding == o.wgridding &&
           opt.max_grid_bytes == o.max_grid_bytes && value_bytes == vb && scan.nvis == s.nvis &&
           scan.wmin == s.wmin && scan.wmax == s.wmax &&
           std::abs(scan.sumw - s.sumw) <= 1e-9 * std::abs(s.sumw);
  }
};

std::mutex g_sessions_mu;
std::map<std::uint32_t, std::shared_ptr<Session>> g_sessions;
std::uint64_t g_session_clock = 0;

// The session `id`, made (evicting the least recently used idle one beyond kMaxSessions) if new.
std::shared_ptr<Session> session_of(std::uint32_t id) {
  std::lock_guard<std::mutex> lock(g_sessions_mu);
  auto it = g_sessions.find(id);
  if (it == g_sessions.end()) {
    while (g_sessions.size() >= kMaxSessions) {
      auto lru = g_sessions.end();
      for (auto e = g_sessions.begin(); e != g_sessions.end(); ++e) {
        if (!e->second->busy.try_lock()) continue;
        e->second->busy.unlock();
        if (lru == g_sessions.end() || e->second->used < lru->second->used) lru = e;
      }
      if (lru == g_sessions.end()) break;  // all busy: keep them, exceed the cap for now
      g_sessions.erase(lru);
    }
    it = g_sessions.emplace(id, std::make_shared<Session>()).first;
  }
  it->second->used = ++g_session_clock;
  return it->second;
}

// A call's plan, buckets and plane memory: its own, or a session's (held for the call).
template <typename T>
struct Prepared {
  Plan plan;
  const Buckets* buckets = nullptr;
  T* grids = nullptr;
  Buckets own_buckets;
  std::unique_ptr<PlaneMemory> own_memory, own_model;
  std::shared_ptr<Session> session;
  std::unique_lock<std::mutex> hold;

  // Checks the call (need_weights: gridding reads the weights), then plans it.
  Prepared(const Layout& d, const Options& opt, bool need_weights) {
    check_options(opt);
    check_precision<T>(opt);
    check_layout(d, need_weights);
    const Scan s = scan(d, opt.threads);
    const std::size_t vb = sizeof(T);
    if (opt.session != 0) {
      session = session_of(opt.session);
      hold = std::unique_lock<std::mutex>(session->busy);
      Session& ss = *session;
      if (!ss.memory || !ss.serves(d, opt, vb, s)) {
        ss.memory.reset();  // before the new bucketing: do not hold two sets at once
        ss.model_memory.reset();
        ss.buckets = Buckets{};
        ss.plan = make_plan(opt, s.wmin, s.wmax, s.nvis, vb);
        ss.plan.corr = std::make_shared<const std::vector<double>>(correction(ss.plan, 1.0));
        ss.plan.phasors = std::make_shared<const Phasors>(ss.plan);
        ss.buckets = bucket(d, ss.plan);
        ss.memory = std::make_unique<PlaneMemory>(ss.plan.slots * 2 * ss.plan.nu * ss.plan.nv * vb);
        ss.uvw = d.uvw;
        ss.nrows = d.nrows;
        ss.weights = d.weights;
        ss.freqs.assign(d.freqs, d.freqs + d.nchan);
        ss.opt = opt;
        ss.value_bytes = vb;
        ss.scan = s;
      }
      plan = ss.plan;
      plan.scratch = &ss.scratch;
      buckets = &ss.buckets;
      grids = static_cast<T*>(ss.memory->data());
    } else {
      plan = make_plan(opt, s.wmin, s.wmax, s.nvis, vb);
      own_buckets = bucket(d, plan);
      buckets = &own_buckets;
      own_memory = std::make_unique<PlaneMemory>(plan.slots * 2 * plan.nu * plan.nv * vb);
      grids = static_cast<T*>(own_memory->data());
    }
    // This call's options (unit_vis, accumulate, threads ...) and data.
    plan.opt = opt;
    plan.info.nvis = s.nvis;
    plan.info.sum_weights = s.sumw;
    bytes_ = plan.slots * 2 * plan.nu * plan.nv * vb;
  }

  // A second set of plane grids (the fused residual pass), kept by the session.
  T* model_grids() {
    std::unique_ptr<PlaneMemory>& m = session ? session->model_memory : own_model;
    if (!m) m = std::make_unique<PlaneMemory>(bytes_);
    return static_cast<T*>(m->data());
  }

 private:
  std::size_t bytes_ = 0;
};

}  // namespace

bool release_session(std::uint32_t id) {
  std::shared_ptr<Session> gone;
  {
    std::lock_guard<std::mutex> lock(g_sessions_mu);
    auto it = g_sessions.find(id);
    if (it == g_sessions.end()) return false;
    gone = std::move(it->second);
    g_sessions.erase(it);
  }
  // Freed here, or by the call still using it when that returns.
  return true;
}

template <typename T>
Info grid(const Layout& d, const T* vis, const Options& opt, T* dirty) {
  Prepared<T> prep(d, opt, true);
  grid_planes<T>(prep.plan, d, *prep.buckets, vis, dirty, prep.grids);
  return prep.plan.info;
}

template <typename T>
Info degrid(const Layout& d, const T* image, const Options& opt, T* vis) {
  Prepared<T> prep(d, opt, false);
  degrid_planes<T>(prep.plan, d, *prep.buckets, image, vis, prep.grids);
  return prep.plan.info;
}

template <typename T>
Info grid_with_psf(const Layout& d, const T* vis, const Options& opt, T* dirty, T* psf) {
  Options o = opt;
  o.unit_vis = false;
  Prepared<T> prep(d, o, true);
  // The session's second set (the model planes of later major cycles) holds the PSF's planes.
  grid_psf_planes<T>(prep.plan, d, *prep.buckets, vis, dirty, psf, prep.grids, prep.model_grids());
  return prep.plan.info;
}

template <typename T>
Info residual(const Layout& d, const T* image, const Options& opt, T* vis, T* dirty) {
  Options o = opt;
  o.select_only = true;
  o.accumulate = true;
  o.unit_vis = false;
  Prepared<T> prep(d, o, true);
  if (prep.plan.slots >= static_cast<std::size_t>(prep.plan.nw)) {
    residual_planes<T>(prep.plan, d, *prep.buckets, image, vis, dirty, prep.model_grids(),
                       prep.grids);
  } else {
    degrid_planes<T>(prep.plan, d, *prep.buckets, image, vis, prep.grids);
    grid_planes<T>(prep.plan, d, *prep.buckets, vis, dirty, prep.grids);
  }
  return prep.plan.info;
}

template Info grid<float>(const Layout&, const float*, const Options&, float*);
template Info grid<double>(const Layout&, const double*, const Options&, double*);
template Info degrid<float>(const Layout&, const float*, const Options&, float*);
template Info degrid<double>(const Layout&, const double*, const Options&, double*);
template Info grid_with_psf<float>(const Layout&, const float*, const Options&, float*, float*);
template Info grid_with_psf<double>(const Layout&, const double*, const Options&, double*, double*);
template Info residual<float>(const Layout&, const float*, const Options&, float*, float*);
template Info residual<double>(const Layout&, const double*, const Options&, double*, double*);

}  // namespace dsa110::gridder
