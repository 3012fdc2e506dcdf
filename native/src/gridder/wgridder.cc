// w-gridding: visibilities are bucketed once by (first w plane, uv tile); then, plane by plane,
// every thread grids/degrids runs of channels of one tile through a small local buffer (added
// to the shared grid under per-stripe locks), the grid goes through the 2-D FFT, and the plane's
// image is multiplied by exp(-+2 pi i w_p (n - 1)) and accumulated (or, degridding, made).
#include "gridder/wgridder.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/parallel.h"
#include "fft/fft2d.h"
#include "gridder/kernel.h"

// The per-visibility code is compiled twice on x86-64 with GCC/Clang: for the baseline ISA the
// binary ships for, and with AVX2+FMA, chosen at run time (no -march=native in the build).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && !defined(_MSC_VER)
#define DSA110_GRIDDER_AVX2 1
#define DSA110_INLINE __attribute__((always_inline)) inline
#else
#define DSA110_GRIDDER_AVX2 0
#define DSA110_INLINE inline
#endif
#if defined(__GNUC__) || defined(__clang__)
#define DSA110_GRIDDER_VEC 1  // GCC/Clang vector types for the kernel lanes and buffer rows
#else
#define DSA110_GRIDDER_VEC 0
#endif

namespace dsa110::gridder {
namespace {

constexpr double kPi = 3.141592653589793238462643383279502884;
constexpr double kSpeedOfLight = 299792458.0;
// uv tiles of kTile x kTile cells; a thread's buffer covers a tile, one cell before it (rounding
// at tile edges) and the kernel's reach after it.
constexpr int kTile = 16;
constexpr int kBuf = kTile + kMaxSupport + 2;
// Items a thread takes at a time from a plane's work list.
constexpr std::size_t kChunk = 16;
constexpr std::size_t kRowBlock = 256;

// A run of channels of one row with the same first w plane and uv tile.
struct Item {
  std::uint32_t row, ch0, ch1, tile;
};

std::size_t good_size(std::size_t n) {
  // Smallest multiple of kTile of the form kTile * 2^a 3^b 5^c that is >= n.
  std::size_t best = std::numeric_limits<std::size_t>::max();
  const std::size_t m = std::max<std::size_t>(1, (n + kTile - 1) / kTile);
  for (std::size_t f2 = 1; f2 < 2 * m; f2 *= 2)
    for (std::size_t f3 = f2; f3 < 2 * m; f3 *= 3)
      for (std::size_t f5 = f3; f5 < 2 * m; f5 *= 5)
        if (f5 >= m && f5 < best) best = f5;
  return best * kTile;
}

inline double nm1_of(double l, double m) {
  const double r2 = l * l + m * m;
  return -r2 / (1 + std::sqrt(1 - r2));
}

struct Plan {
  Options opt;
  EsKernel kernel;
  Info info;
  std::size_t nu = 0, nv = 0, ntu = 0, ntv = 0, hx = 0, hy = 0;
  double w0 = 0, dw = 1;
  bool wgrid = false;
  double ufac = 0, vfac = 0;  // cells per (metre * Hz): g_u = ufac * u * f
  double nm1max = 0;          // max |n - 1| over the image
};

void check_options(const Options& o) {
  if (o.nx < 1 || o.ny < 1) throw std::invalid_argument("nx and ny must be >= 1");
  if (!(o.pixel_l > 0) || !(o.pixel_m > 0) || !std::isfinite(o.pixel_l) || !std::isfinite(o.pixel_m))
    throw std::invalid_argument("pixel sizes must be finite and > 0 radians");
  if (!(o.epsilon > 0) || !(o.epsilon < 0.1)) throw std::invalid_argument("epsilon must be in (0, 0.1)");
  if (!(o.sigma == 0 || (o.sigma >= 1.2 && o.sigma <= 4)))
    throw std::invalid_argument("sigma (oversampling) must be 0 (automatic) or in [1.2, 4]");
  if (o.threads < 1) throw std::invalid_argument("threads must be >= 1");
  const double l = (o.nx / 2) * o.pixel_l, m = (o.ny / 2) * o.pixel_m;
  if (l * l + m * m >= 1) throw std::invalid_argument("the image reaches beyond the horizon (l^2 + m^2 >= 1 at a corner)");
}

// The kernel for oversampling sigma. The aliasing estimate is a worst case summed over the
// aliases; the target below keeps measured L2 errors under epsilon in u, v and w together.
EsKernel kernel_for(const Options& o, double sigma, bool wgrid) {
  const double target = o.epsilon * (wgrid ? 0.5 : 0.7);
  return choose_es_kernel(target, sigma, o.epsilon * 0.05);
}

Plan make_plan(const Options& o, double wmin, double wmax, std::size_t nvis) {
  check_options(o);
  Plan p;
  p.opt = o;
  p.wgrid = o.wgridding;
  p.hx = o.nx / 2 + 1;
  p.hy = o.ny / 2 + 1;
  p.nm1max = std::abs(nm1_of((o.nx / 2) * o.pixel_l, (o.ny / 2) * o.pixel_m));
  if (p.nm1max == 0) p.wgrid = false;
  auto layout = [&](double sigma, const EsKernel& k) {
    p.kernel = k;
    p.nu = std::max<std::size_t>(good_size(static_cast<std::size_t>(std::ceil(sigma * o.nx))), 2 * kTile);
    p.nv = std::max<std::size_t>(good_size(static_cast<std::size_t>(std::ceil(sigma * o.ny))), 2 * kTile);
    const int W = k.support;
    if (p.wgrid) {
      // |xi| = dw |n - 1| must stay within 1/(2 sigma) of the kernel's oversampling.
      p.dw = 0.5 / (k.sigma * p.nm1max);
      p.w0 = wmin - p.dw * (0.5 * W - 1);
      const double qmax = (wmax - p.w0) / p.dw;
      p.info.nplanes = static_cast<std::size_t>(std::floor(qmax - 0.5 * W) + 1) + static_cast<std::size_t>(W);
    } else {
      p.dw = 0;
      p.w0 = 0;
      p.info.nplanes = 1;
    }
  };
  if (o.sigma > 0) {
    layout(o.sigma, kernel_for(o, o.sigma, p.wgrid));
  } else {
    // Cost model (seconds, measured on x86-64 at 2-3 GHz): kernel work per visibility grows
    // as W^2 per plane visit, W visits with w-gridding; each plane costs an FFT and a pass over
    // the grid. Pick the cheapest oversampling of a few.
    double best = std::numeric_limits<double>::infinity();
    double best_sigma = 2;
    EsKernel best_kernel;
    std::string failure;
    for (double sigma : {1.5, 1.75, 2.0}) {
      EsKernel k;
      try {
        k = kernel_for(o, sigma, p.wgrid);
      } catch (const std::invalid_argument& e) {
        failure = e.what();  // too accurate for this oversampling: try the next
        continue;
      }
      layout(sigma, k);
      const double W = k.support;
      const double n = static_cast<double>(p.nu) * static_cast<double>(p.nv);
      const double visits = p.wgrid ? W : 1;
      const double cost = static_cast<double>(nvis) * visits * (4e-9 + 0.35e-9 * W * W) +
                          static_cast<double>(p.info.nplanes) * n * (1.2e-9 * std::log2(n) + 2e-9);
      if (cost < best) {
        best = cost;
        best_sigma = sigma;
        best_kernel = k;
      }
    }
    if (best_kernel.support == 0) throw std::invalid_argument(failure);
    layout(best_sigma, best_kernel);
  }
  p.ntu = p.nu / kTile;
  p.ntv = p.nv / kTile;
  // g_u = -u l-scale: l grows to the left, so u enters with a minus sign (see the header).
  p.ufac = -o.pixel_l * static_cast<double>(p.nu) / kSpeedOfLight;
  p.vfac = o.pixel_m * static_cast<double>(p.nv) / kSpeedOfLight;
  Info& in = p.info;
  in.support = p.kernel.support;
  in.beta = p.kernel.beta;
  in.sigma = p.kernel.sigma;
  in.kernel_error = p.kernel.error;
  in.nu = p.nu;
  in.nv = p.nv;
  in.wmin = wmin;
  in.wmax = wmax;
  in.dw = p.dw;
  in.nvis = nvis;
  return p;
}

// Polynomial kernel evaluation for support W: all W values at once, lanes padded for SIMD.
template <typename T, int W>
struct Kern {
  // Lanes: a power of two (GCC/Clang vector types) covering W; the extra lanes are 0.
  static constexpr int NV = W <= 4 ? 4 : (W <= 8 ? 8 : 16);
#if DSA110_GRIDDER_VEC
  typedef T V __attribute__((vector_size(sizeof(T) * NV)));
  // The same vector at any element-aligned address of the tile buffers.
  typedef T U __attribute__((vector_size(sizeof(T) * NV), aligned(sizeof(T)), may_alias));
  DSA110_INLINE void evalv(T y, V& out) const {
    const T y2 = y * y;
    const V* cv = reinterpret_cast<const V*>(&c[0][0]);
    V e = (deg & 1) ? V{} : cv[0];
    V o = (deg & 1) ? cv[0] : V{};
    for (int d = 1; d <= deg; ++d) {
      if (((deg - d) & 1) == 0) e = e * y2 + cv[d];
      else o = o * y2 + cv[d];
    }
    out = e + y * o;
  }
#endif
  int deg;
  alignas(64) T c[kMaxDegree + 1][NV];
  explicit Kern(const EsKernel& k) : deg(k.degree) {
    for (int d = 0; d <= kMaxDegree; ++d)
      for (int a = 0; a < NV; ++a)
        c[d][a] = (d <= deg && a < W) ? static_cast<T>(k.coeff[static_cast<std::size_t>(d * W + a)]) : T(0);
  }
  // Horner in y^2 on the even and the odd coefficients: two independent chains of half the
  // length, since the evaluation is latency- rather than throughput-bound.
  DSA110_INLINE void eval(T y, T* out) const {
    const T y2 = y * y;
    T e[NV], o[NV];
    const int hi = deg & 1;  // c[0] multiplies y^deg: odd when deg is odd
    for (int a = 0; a < NV; ++a) {
      e[a] = hi ? T(0) : c[0][a];
      o[a] = hi ? c[0][a] : T(0);
    }
    for (int d = 1; d <= deg; ++d) {
      if (((deg - d) & 1) == 0) {
        for (int a = 0; a < NV; ++a) e[a] = e[a] * y2 + c[d][a];
      } else {
        for (int a = 0; a < NV; ++a) o[a] = o[a] * y2 + c[d][a];
      }
    }
    for (int a = 0; a < NV; ++a) out[a] = e[a] + y * o[a];
  }
  DSA110_INLINE T eval_one(int a, T y) const {
    const T y2 = y * y;
    T e = (deg & 1) ? T(0) : c[0][a];
    T o = (deg & 1) ? c[0][a] : T(0);
    for (int d = 1; d <= deg; ++d) {
      if (((deg - d) & 1) == 0) e = e * y2 + c[d][a];
      else o = o * y2 + c[d][a];
    }
    return e + y * o;
  }
};

// floor for |x| < 2^31 without libm (baseline x86-64 has no rounding instruction).
DSA110_INLINE int ifloor(double x) {
  const int i = static_cast<int>(x);
  return i - (x < static_cast<double>(i) ? 1 : 0);
}

// Where a coordinate (in cells, any value) lands: first cell of the support in [0, n) and the
// polynomial variable y in (-1, 1].
struct Pos {
  int first;
  double y;
};
DSA110_INLINE Pos locate(double g, std::size_t n, int W) {
  const double dn = static_cast<double>(n);
  // Fold into [0, n) (the grid is periodic); the quotient is small, so ifloor is safe once
  // |g| < 2^31 n, far beyond any baseline.
  g -= dn * static_cast<double>(ifloor(g / dn));
  const double s = g - 0.5 * W;
  int first = ifloor(s) + 1;
  const double y = 2 * (first - s) - 1;
  if (first < 0) first += static_cast<int>(n);
  if (first >= static_cast<int>(n)) first -= static_cast<int>(n);
  return {first, y};
}

// First w plane touched and the polynomial variable in w.
DSA110_INLINE Pos locate_w(double w, double w0, double dw, int W) {
  const double s = (w - w0) / dw - 0.5 * W;
  const int first = ifloor(s) + 1;
  return {first, 2 * (first - s) - 1};
}

// Offset of `first` from the tile origin `origin`, folded into (-n/2, n/2].
DSA110_INLINE int tile_offset(int first, int origin, int n) {
  int r = first - origin;
  if (r > n / 2) r -= n;
  if (r < -n / 2) r += n;
  return r;
}

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

// Runs of channels per first w plane, each list sorted by tile (rows in order within a tile).
std::vector<std::vector<Item>> bucket(const Layout& d, const Plan& p) {
  const int W = p.kernel.support;
  const std::size_t nblocks = (d.nrows + kRowBlock - 1) / kRowBlock;
  std::vector<std::vector<std::pair<std::uint32_t, Item>>> found(nblocks);
  parallel_for(nblocks, p.opt.threads, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      auto& out = found[b];
      for (std::size_t r = b * kRowBlock; r < std::min(d.nrows, (b + 1) * kRowBlock); ++r) {
        const double* uvw = d.uvw + 3 * r;
        const double s = (p.wgrid && uvw[2] < 0) ? -1.0 : 1.0;
        bool open = false;
        std::uint32_t plane = 0, tile = 0;
        for (std::size_t c = 0; c < d.nchan; ++c) {
          const float wt = d.weights ? d.weights[r * d.nchan + c] : 1.0f;
          if (wt == 0) {
            open = false;
            continue;
          }
          const double f = d.freqs[c];
          const Pos pu = locate(p.ufac * (s * uvw[0]) * f, p.nu, W);
          const Pos pv = locate(p.vfac * (s * uvw[1]) * f, p.nv, W);
          const std::uint32_t t = static_cast<std::uint32_t>((pv.first / kTile) * p.ntu + pu.first / kTile);
          std::uint32_t pl = 0;
          if (p.wgrid) {
            const int first = locate_w((s * uvw[2]) * f / kSpeedOfLight, p.w0, p.dw, W).first;
            pl = static_cast<std::uint32_t>(std::clamp<int>(first, 0, static_cast<int>(p.info.nplanes) - W));
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
  std::vector<std::vector<Item>> buckets(p.info.nplanes);
  std::vector<std::size_t> counts(p.info.nplanes, 0);
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
  return buckets;
}

// The work of one plane: the buckets of the W planes whose support reaches it, as one list.
struct PlaneWork {
  std::vector<const std::vector<Item>*> lists;
  std::vector<std::size_t> starts;  // prefix sums of the list sizes
  std::size_t total = 0;
  const Item& at(std::size_t i) const {
    const std::size_t k = static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), i) - starts.begin()) - 1;
    return (*lists[k])[i - starts[k]];
  }
};

PlaneWork plane_work(const std::vector<std::vector<Item>>& buckets, std::size_t plane, int W) {
  PlaneWork pw;
  const std::size_t lo = plane + 1 >= static_cast<std::size_t>(W) ? plane + 1 - static_cast<std::size_t>(W) : 0;
  for (std::size_t b = lo; b <= plane && b < buckets.size(); ++b) {
    if (buckets[b].empty()) continue;
    pw.lists.push_back(&buckets[b]);
    pw.starts.push_back(pw.total);
    pw.total += buckets[b].size();
  }
  return pw;
}

// exp(-2 pi i w (n - 1)) for the pixels of one quadrant (|x'|, |y'|), advanced plane by plane.
struct Phasors {
  std::vector<double> cur, step;  // interleaved complex, hy x hx
  explicit Phasors(const Plan& p) : cur(2 * p.hx * p.hy), step(2 * p.hx * p.hy) {
    parallel_for(p.hy, p.opt.threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t ay = y0; ay < y1; ++ay)
        for (std::size_t ax = 0; ax < p.hx; ++ax) {
          const double x = nm1_of(static_cast<double>(ax) * p.opt.pixel_l, static_cast<double>(ay) * p.opt.pixel_m);
          const std::size_t i = 2 * (ay * p.hx + ax);
          cur[i] = std::cos(2 * kPi * p.w0 * x);
          cur[i + 1] = -std::sin(2 * kPi * p.w0 * x);
          step[i] = std::cos(2 * kPi * p.dw * x);
          step[i + 1] = -std::sin(2 * kPi * p.dw * x);
        }
    });
  }
  void advance(unsigned threads) {
    const std::size_t n = cur.size() / 2;
    parallel_for(n, threads, [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i) {
        const double a = cur[2 * i], b = cur[2 * i + 1], c = step[2 * i], d = step[2 * i + 1];
        cur[2 * i] = a * c - b * d;
        cur[2 * i + 1] = a * d + b * c;
      }
    });
  }
};

// 1 / (psi_u psi_v psi_w) per quadrant pixel (|x'|, |y'|), times `scale`.
std::vector<double> correction(const Plan& p, double scale) {
  const EsKernel& k = p.kernel;
  std::vector<double> cu(p.hx), cv(p.hy);
  for (std::size_t i = 0; i < p.hx; ++i) cu[i] = k.fourier(static_cast<double>(i) / static_cast<double>(p.nu));
  for (std::size_t i = 0; i < p.hy; ++i) cv[i] = k.fourier(static_cast<double>(i) / static_cast<double>(p.nv));
  std::vector<double> out(p.hx * p.hy);
  if (p.wgrid) {
    const Chebyshev cw(-p.dw * p.nm1max, 0.0, 40, [&](double xi) { return k.fourier(xi); });
    parallel_for(p.hy, p.opt.threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t ay = y0; ay < y1; ++ay)
        for (std::size_t ax = 0; ax < p.hx; ++ax) {
          const double x = nm1_of(static_cast<double>(ax) * p.opt.pixel_l, static_cast<double>(ay) * p.opt.pixel_m);
          out[ay * p.hx + ax] = scale / (cu[ax] * cv[ay] * cw(p.dw * x));
        }
    });
  } else {
    for (std::size_t ay = 0; ay < p.hy; ++ay)
      for (std::size_t ax = 0; ax < p.hx; ++ax) out[ay * p.hx + ax] = scale / (cu[ax] * cv[ay]);
  }
  return out;
}

inline std::size_t quad_index(std::size_t i, std::size_t n) {
  const std::size_t h = n / 2;
  return i >= h ? i - h : h - i;
}

// Locks the grid stripes (rows of tiles) a buffer at tile row tv touches: tv - 1, tv, tv + 1.
class StripeLocks {
 public:
  explicit StripeLocks(std::size_t n) : mu_(n) {}
  template <typename Fn>
  void with(std::size_t tv, Fn&& fn) {
    const std::size_t n = mu_.size();
    std::size_t s[3] = {(tv + n - 1) % n, tv, (tv + 1) % n};
    std::sort(s, s + 3);
    const std::size_t* end = std::unique(s, s + 3);
    for (const std::size_t* i = s; i != end; ++i) mu_[*i].lock();
    try {
      fn();
    } catch (...) {
      for (const std::size_t* i = s; i != end; ++i) mu_[*i].unlock();
      throw;
    }
    for (const std::size_t* i = s; i != end; ++i) mu_[*i].unlock();
  }

 private:
  std::vector<std::mutex> mu_;
};

template <typename T, int W>
struct Worker {
  const Plan& p;
  const Layout& d;
  const Kern<T, W>& kern;

  // Coordinates of one visibility: buffer offsets, kernel values in u and v, w kernel value
  // for plane `plane` (false when its w support misses the plane).
  struct At {
    int ru, rv;
    alignas(64) T ku[Kern<T, W>::NV];
    alignas(64) T kv[Kern<T, W>::NV];
    T kw;
  };
  DSA110_INLINE bool where(double u, double v, double w, double f, std::size_t plane, int tu0, int tv0, At& at) const {
    const Pos pu = locate(p.ufac * u * f, p.nu, W);
    const Pos pv = locate(p.vfac * v * f, p.nv, W);
    at.kw = T(1);
    if (p.wgrid) {
      const Pos pw = locate_w(w * f / kSpeedOfLight, p.w0, p.dw, W);
      const int a = static_cast<int>(plane) - pw.first;
      if (a < 0 || a >= W) return false;
      at.kw = kern.eval_one(a, static_cast<T>(pw.y));
    }
    at.ru = tile_offset(pu.first, tu0, static_cast<int>(p.nu)) + 1;
    at.rv = tile_offset(pv.first, tv0, static_cast<int>(p.nv)) + 1;
    if (at.ru < 0 || at.rv < 0 || at.ru + W > kBuf || at.rv + W > kBuf)
      throw std::logic_error("gridder: visibility outside its tile buffer");
#if DSA110_GRIDDER_VEC
    typename Kern<T, W>::V ku, kv;
    kern.evalv(static_cast<T>(pu.y), ku);
    kern.evalv(static_cast<T>(pv.y), kv);
    std::memcpy(at.ku, &ku, sizeof ku);
    std::memcpy(at.kv, &kv, sizeof kv);
#else
    kern.eval(static_cast<T>(pu.y), at.ku);
    kern.eval(static_cast<T>(pv.y), at.kv);
#endif
    return true;
  }

  DSA110_INLINE void grid_item(const Item& it, std::size_t plane, const T* vis, T* br, T* bi, int tu0, int tv0) const {
    const double* uvw = d.uvw + 3 * it.row;
    const double s = (p.wgrid && uvw[2] < 0) ? -1.0 : 1.0;
    const double u = s * uvw[0], v = s * uvw[1], w = s * uvw[2];
    const T conj = static_cast<T>(s);
    At at;
    for (std::uint32_t c = it.ch0; c < it.ch1; ++c) {
      const std::size_t k = static_cast<std::size_t>(it.row) * d.nchan + c;
      if (!where(u, v, w, d.freqs[c], plane, tu0, tv0, at)) continue;
      const T wt = static_cast<T>(d.weights[k]) * at.kw;
      const T vr = vis[2 * k] * wt, vi = vis[2 * k + 1] * wt * conj;
#if DSA110_GRIDDER_VEC
      using U = typename Kern<T, W>::U;
      using V = typename Kern<T, W>::V;
      V ku;
      std::memcpy(&ku, at.ku, sizeof ku);
      for (int b = 0; b < W; ++b) {
        U* pr = reinterpret_cast<U*>(br + (at.rv + b) * kBuf + at.ru);
        U* pi = reinterpret_cast<U*>(bi + (at.rv + b) * kBuf + at.ru);
        *pr += ku * (vr * at.kv[b]);
        *pi += ku * (vi * at.kv[b]);
      }
      continue;
#endif
      for (int b = 0; b < W; ++b) {
        const T fr = vr * at.kv[b], fi = vi * at.kv[b];
        T* __restrict pr = br + (at.rv + b) * kBuf + at.ru;
        T* __restrict pi = bi + (at.rv + b) * kBuf + at.ru;
        for (int a = 0; a < W; ++a) {
          pr[a] += fr * at.ku[a];
          pi[a] += fi * at.ku[a];
        }
      }
    }
  }

  DSA110_INLINE void degrid_item(const Item& it, std::size_t plane, T* vis, const T* br, const T* bi, int tu0, int tv0) const {
    const double* uvw = d.uvw + 3 * it.row;
    const double s = (p.wgrid && uvw[2] < 0) ? -1.0 : 1.0;
    const double u = s * uvw[0], v = s * uvw[1], w = s * uvw[2];
    const T conj = static_cast<T>(s);
    At at;
    for (std::uint32_t c = it.ch0; c < it.ch1; ++c) {
      const std::size_t k = static_cast<std::size_t>(it.row) * d.nchan + c;
      if (!where(u, v, w, d.freqs[c], plane, tu0, tv0, at)) continue;
      T sr = 0, si = 0;
#if DSA110_GRIDDER_VEC
      {
        using U = typename Kern<T, W>::U;
        using V = typename Kern<T, W>::V;
        V ku, vr{}, vi{};
        std::memcpy(&ku, at.ku, sizeof ku);
        for (int b = 0; b < W; ++b) {
          const U* pr = reinterpret_cast<const U*>(br + (at.rv + b) * kBuf + at.ru);
          const U* pi = reinterpret_cast<const U*>(bi + (at.rv + b) * kBuf + at.ru);
          vr += *pr * at.kv[b];
          vi += *pi * at.kv[b];
        }
        vr *= ku;
        vi *= ku;
        for (int a = 0; a < W; ++a) {
          sr += vr[a];
          si += vi[a];
        }
      }
      if (false)
#endif
      for (int b = 0; b < W; ++b) {
        const T* __restrict pr = br + (at.rv + b) * kBuf + at.ru;
        const T* __restrict pi = bi + (at.rv + b) * kBuf + at.ru;
        T rr = 0, ri = 0;
        for (int a = 0; a < W; ++a) {
          rr += pr[a] * at.ku[a];
          ri += pi[a] * at.ku[a];
        }
        sr += rr * at.kv[b];
        si += ri * at.kv[b];
      }
      const T wt = (d.weights ? static_cast<T>(d.weights[k]) : T(1)) * at.kw;
      vis[2 * k] += sr * wt;
      vis[2 * k + 1] += si * wt * conj;
    }
  }
};

template <typename T, int W>
void grid_item_plain(const Worker<T, W>& w, const Item& it, std::size_t plane, const T* vis, T* br, T* bi, int tu0, int tv0) {
  w.grid_item(it, plane, vis, br, bi, tu0, tv0);
}
template <typename T, int W>
void degrid_item_plain(const Worker<T, W>& w, const Item& it, std::size_t plane, T* vis, const T* br, const T* bi, int tu0, int tv0) {
  w.degrid_item(it, plane, vis, br, bi, tu0, tv0);
}
#if DSA110_GRIDDER_AVX2
template <typename T, int W>
__attribute__((target("avx2,fma"))) void grid_item_avx2(const Worker<T, W>& w, const Item& it, std::size_t plane, const T* vis, T* br,
                                                        T* bi, int tu0, int tv0) {
  w.grid_item(it, plane, vis, br, bi, tu0, tv0);
}
template <typename T, int W>
__attribute__((target("avx2,fma"))) void degrid_item_avx2(const Worker<T, W>& w, const Item& it, std::size_t plane, T* vis, const T* br,
                                                          const T* bi, int tu0, int tv0) {
  w.degrid_item(it, plane, vis, br, bi, tu0, tv0);
}
#endif

bool use_avx2() {
#if DSA110_GRIDDER_AVX2
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

template <typename T, int W>
auto grid_item_fn() {
#if DSA110_GRIDDER_AVX2
  if (use_avx2()) return &grid_item_avx2<T, W>;
#endif
  return &grid_item_plain<T, W>;
}
template <typename T, int W>
auto degrid_item_fn() {
#if DSA110_GRIDDER_AVX2
  if (use_avx2()) return &degrid_item_avx2<T, W>;
#endif
  return &degrid_item_plain<T, W>;
}

// Grid cells covered by a tile buffer along one axis: the first, and whether it wraps.
inline std::size_t wrap_index(int i, std::size_t n) {
  const int m = static_cast<int>(n);
  i %= m;
  return static_cast<std::size_t>(i < 0 ? i + m : i);
}

// Adds a tile buffer into the grid (wrapping at the edges) and clears it.
template <typename T>
void flush(const Plan& p, T* grid, T* __restrict br, T* __restrict bi, int tu, int tv, int W) {
  const int span = kTile + W + 1;
  const int x0 = tu * kTile - 1;
  const bool inside = x0 >= 0 && x0 + span <= static_cast<int>(p.nu);
  for (int b = 0; b < span; ++b) {
    T* __restrict row = grid + 2 * wrap_index(tv * kTile - 1 + b, p.nv) * p.nu;
    T* __restrict r = br + b * kBuf;
    T* __restrict i = bi + b * kBuf;
    if (inside) {
      T* __restrict out = row + 2 * static_cast<std::size_t>(x0);
      for (int a = 0; a < span; ++a) {
        out[2 * a] += r[a];
        out[2 * a + 1] += i[a];
      }
    } else {
      for (int a = 0; a < span; ++a) {
        const std::size_t gx = wrap_index(x0 + a, p.nu);
        row[2 * gx] += r[a];
        row[2 * gx + 1] += i[a];
      }
    }
    for (int a = 0; a < span; ++a) r[a] = i[a] = T(0);
  }
}

template <typename T>
void load(const Plan& p, const T* grid, T* __restrict br, T* __restrict bi, int tu, int tv, int W) {
  const int span = kTile + W + 1;
  const int x0 = tu * kTile - 1;
  const bool inside = x0 >= 0 && x0 + span <= static_cast<int>(p.nu);
  for (int b = 0; b < span; ++b) {
    const T* __restrict row = grid + 2 * wrap_index(tv * kTile - 1 + b, p.nv) * p.nu;
    T* __restrict r = br + b * kBuf;
    T* __restrict i = bi + b * kBuf;
    if (inside) {
      const T* __restrict in = row + 2 * static_cast<std::size_t>(x0);
      for (int a = 0; a < span; ++a) {
        r[a] = in[2 * a];
        i[a] = in[2 * a + 1];
      }
    } else {
      for (int a = 0; a < span; ++a) {
        const std::size_t gx = wrap_index(x0 + a, p.nu);
        r[a] = row[2 * gx];
        i[a] = row[2 * gx + 1];
      }
    }
  }
}

void zero(void* data, std::size_t bytes, unsigned threads) {
  auto* c = static_cast<unsigned char*>(data);
  parallel_for((bytes + 65535) / 65536, threads, [&](std::size_t b0, std::size_t b1) {
    const std::size_t lo = b0 * 65536, hi = std::min(bytes, b1 * 65536);
    std::memset(c + lo, 0, hi - lo);
  });
}

template <typename T, int W>
void grid_planes(const Plan& p, const Layout& d, const std::vector<std::vector<Item>>& buckets,
                 const T* vis, T* dirty) {
  const Kern<T, W> kern(p.kernel);
  const Worker<T, W> worker{p, d, kern};
  const auto grid_one = grid_item_fn<T, W>();
  const unsigned threads = p.opt.threads;
  const std::size_t nx = p.opt.nx, ny = p.opt.ny;
  std::vector<T> grid(2 * p.nu * p.nv);
  std::vector<double> acc(nx * ny, 0.0);
  StripeLocks locks(p.ntv);
  Phasors ph(p);
  for (std::size_t plane = 0; plane < p.info.nplanes; ++plane) {
    const PlaneWork pw = plane_work(buckets, plane, W);
    if (pw.total > 0) {
      zero(grid.data(), grid.size() * sizeof(T), threads);
      std::atomic<std::size_t> next{0};
      parallel_for(threads, threads, [&](std::size_t, std::size_t) {
        std::vector<T> buf(2 * kBuf * kBuf, T(0));
        T* br = buf.data();
        T* bi = br + kBuf * kBuf;
        long cur = -1;
        for (;;) {
          const std::size_t i0 = next.fetch_add(kChunk);
          if (i0 >= pw.total) break;
          for (std::size_t i = i0; i < std::min(pw.total, i0 + kChunk); ++i) {
            const Item& it = pw.at(i);
            if (static_cast<long>(it.tile) != cur) {
              if (cur >= 0) {
                const int tu = static_cast<int>(cur % static_cast<long>(p.ntu)), tv = static_cast<int>(cur / static_cast<long>(p.ntu));
                locks.with(static_cast<std::size_t>(tv), [&] { flush(p, grid.data(), br, bi, tu, tv, W); });
              }
              cur = it.tile;
            }
            const int tu = static_cast<int>(it.tile % p.ntu), tv = static_cast<int>(it.tile / p.ntu);
            grid_one(worker, it, plane, vis, br, bi, tu * kTile, tv * kTile);
          }
        }
        if (cur >= 0) {
          const int tu = static_cast<int>(cur % static_cast<long>(p.ntu)), tv = static_cast<int>(cur / static_cast<long>(p.ntu));
          locks.with(static_cast<std::size_t>(tv), [&] { flush(p, grid.data(), br, bi, tu, tv, W); });
        }
      });
      fft::fft2d(grid.data(), p.nu, p.nv, false, threads);
      // acc += Re(grid * exp(-2 pi i w_p (n - 1))) over the image's pixels.
      parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          const std::size_t gy = (y + p.nv - ny / 2) % p.nv;
          const std::size_t ay = quad_index(y, ny);
          const T* grow = grid.data() + 2 * gy * p.nu;
          const double* prow = ph.cur.data() + 2 * ay * p.hx;
          double* arow = acc.data() + y * nx;
          for (std::size_t x = 0; x < nx; ++x) {
            const std::size_t gx = (x + p.nu - nx / 2) % p.nu;
            const std::size_t ax = quad_index(x, nx);
            arow[x] += static_cast<double>(grow[2 * gx]) * prow[2 * ax] - static_cast<double>(grow[2 * gx + 1]) * prow[2 * ax + 1];
          }
        }
      });
    }
    if (p.wgrid && plane + 1 < p.info.nplanes) ph.advance(threads);
  }
  const std::vector<double> corr = correction(p, 1.0);
  parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
    for (std::size_t y = y0; y < y1; ++y) {
      const std::size_t ay = quad_index(y, ny);
      for (std::size_t x = 0; x < nx; ++x)
        dirty[y * nx + x] = static_cast<T>(acc[y * nx + x] * corr[ay * p.hx + quad_index(x, nx)]);
    }
  });
}

template <typename T, int W>
void degrid_planes(const Plan& p, const Layout& d, const std::vector<std::vector<Item>>& buckets,
                   const T* image, T* vis) {
  const Kern<T, W> kern(p.kernel);
  const Worker<T, W> worker{p, d, kern};
  const auto degrid_one = degrid_item_fn<T, W>();
  const unsigned threads = p.opt.threads;
  const std::size_t nx = p.opt.nx, ny = p.opt.ny;
  std::vector<T> grid(2 * p.nu * p.nv);
  Phasors ph(p);
  // The image with the grid correction and the inverse FFT's 1/(nu nv) undone, in double.
  std::vector<double> scaled(nx * ny);
  {
    const std::vector<double> corr = correction(p, static_cast<double>(p.nu) * static_cast<double>(p.nv));
    parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t y = y0; y < y1; ++y)
        for (std::size_t x = 0; x < nx; ++x)
          scaled[y * nx + x] = static_cast<double>(image[y * nx + x]) * corr[quad_index(y, ny) * p.hx + quad_index(x, nx)];
    });
  }
  zero(vis, 2 * d.nrows * d.nchan * sizeof(T), threads);
  for (std::size_t plane = 0; plane < p.info.nplanes; ++plane) {
    const PlaneWork pw = plane_work(buckets, plane, W);
    if (pw.total > 0) {
      zero(grid.data(), grid.size() * sizeof(T), threads);
      // grid = image * exp(+2 pi i w_p (n - 1)) at the image's pixels.
      parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          const std::size_t gy = (y + p.nv - ny / 2) % p.nv;
          const double* prow = ph.cur.data() + 2 * quad_index(y, ny) * p.hx;
          T* grow = grid.data() + 2 * gy * p.nu;
          const double* srow = scaled.data() + y * nx;
          for (std::size_t x = 0; x < nx; ++x) {
            const std::size_t gx = (x + p.nu - nx / 2) % p.nu;
            const std::size_t ax = quad_index(x, nx);
            grow[2 * gx] = static_cast<T>(srow[x] * prow[2 * ax]);
            grow[2 * gx + 1] = static_cast<T>(-srow[x] * prow[2 * ax + 1]);
          }
        }
      });
      fft::fft2d(grid.data(), p.nu, p.nv, true, threads);
      std::atomic<std::size_t> next{0};
      parallel_for(threads, threads, [&](std::size_t, std::size_t) {
        std::vector<T> buf(2 * kBuf * kBuf, T(0));
        T* br = buf.data();
        T* bi = br + kBuf * kBuf;
        long cur = -1;
        for (;;) {
          const std::size_t i0 = next.fetch_add(kChunk);
          if (i0 >= pw.total) break;
          for (std::size_t i = i0; i < std::min(pw.total, i0 + kChunk); ++i) {
            const Item& it = pw.at(i);
            const int tu = static_cast<int>(it.tile % p.ntu), tv = static_cast<int>(it.tile / p.ntu);
            if (static_cast<long>(it.tile) != cur) {
              load(p, grid.data(), br, bi, tu, tv, W);
              cur = it.tile;
            }
            degrid_one(worker, it, plane, vis, br, bi, tu * kTile, tv * kTile);
          }
        }
      });
    }
    if (p.wgrid && plane + 1 < p.info.nplanes) ph.advance(threads);
  }
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

template <typename T, template <typename, int> class Body, typename... Args>
void dispatch(int W, Args&&... args) {
  switch (W) {
    case 4: Body<T, 4>::run(args...); break;
    case 5: Body<T, 5>::run(args...); break;
    case 6: Body<T, 6>::run(args...); break;
    case 7: Body<T, 7>::run(args...); break;
    case 8: Body<T, 8>::run(args...); break;
    case 9: Body<T, 9>::run(args...); break;
    case 10: Body<T, 10>::run(args...); break;
    case 11: Body<T, 11>::run(args...); break;
    case 12: Body<T, 12>::run(args...); break;
    case 13: Body<T, 13>::run(args...); break;
    case 14: Body<T, 14>::run(args...); break;
    case 15: Body<T, 15>::run(args...); break;
    case 16: Body<T, 16>::run(args...); break;
    default: throw std::logic_error("gridder: unsupported kernel support " + std::to_string(W));
  }
}

template <typename T, int W>
struct GridBody {
  template <typename... A>
  static void run(A&&... a) { grid_planes<T, W>(a...); }
};
template <typename T, int W>
struct DegridBody {
  template <typename... A>
  static void run(A&&... a) { degrid_planes<T, W>(a...); }
};

}  // namespace

Info plan(const Options& opt, double wmin, double wmax, std::size_t nvis) { return make_plan(opt, wmin, wmax, nvis).info; }

std::string format_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

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
  Plan p = make_plan(opt, s.wmin, s.wmax, s.nvis);
  p.info.sum_weights = s.sumw;
  const auto buckets = bucket(d, p);
  dispatch<T, GridBody>(p.kernel.support, p, d, buckets, vis, dirty);
  return p.info;
}

template <typename T>
Info degrid(const Layout& d, const T* image, const Options& opt, T* vis) {
  check_options(opt);
  check_precision<T>(opt);
  check_layout(d, false);
  const Scan s = scan(d, opt.threads);
  Plan p = make_plan(opt, s.wmin, s.wmax, s.nvis);
  p.info.sum_weights = s.sumw;
  const auto buckets = bucket(d, p);
  dispatch<T, DegridBody>(p.kernel.support, p, d, buckets, image, vis);
  return p.info;
}

template Info grid<float>(const Layout&, const float*, const Options&, float*);
template Info grid<double>(const Layout&, const double*, const Options&, double*);
template Info degrid<float>(const Layout&, const float*, const Options&, float*);
template Info degrid<double>(const Layout&, const double*, const Options&, double*);

}  // namespace dsa110::gridder
