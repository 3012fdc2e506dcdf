// The plan of a call: options check, oversampling and kernel (a small cost model), the w planes
// and how many plane grids fit the memory budget; the w-plane phasors and the grid correction.
#include "gridder/plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

#include "common/parallel.h"

#if defined(__linux__)
#include <stdlib.h>
#include <sys/mman.h>
#endif

namespace dsa110::gridder {
namespace {

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

// The kernel for oversampling sigma. The aliasing estimate is a worst case summed over the
// aliases; the target below keeps measured L2 errors under epsilon in u, v and w together.
EsKernel kernel_for(const Options& o, double sigma, bool wgrid) {
  const double target = o.epsilon * (wgrid ? 0.5 : 0.7);
  return choose_es_kernel(target, sigma, o.epsilon * 0.05);
}

}  // namespace

void check_options(const Options& o) {
  if (o.nx < 1 || o.ny < 1) throw std::invalid_argument("nx and ny must be >= 1");
  if (!(o.pixel_l > 0) || !(o.pixel_m > 0) || !std::isfinite(o.pixel_l) ||
      !std::isfinite(o.pixel_m))
    throw std::invalid_argument("pixel sizes must be finite and > 0 radians");
  if (!(o.epsilon > 0) || !(o.epsilon < 0.1))
    throw std::invalid_argument("epsilon must be in (0, 0.1)");
  if (!(o.sigma == 0 || (o.sigma >= 1.2 && o.sigma <= 4)))
    throw std::invalid_argument("sigma (oversampling) must be 0 (automatic) or in [1.2, 4]");
  if (o.threads < 1) throw std::invalid_argument("threads must be >= 1");
  const double l = (o.nx / 2) * o.pixel_l, m = (o.ny / 2) * o.pixel_m;
  if (l * l + m * m >= 1)
    throw std::invalid_argument(
        "the image reaches beyond the horizon (l^2 + m^2 >= 1 at a corner)");
}

Plan make_plan(const Options& o, double wmin, double wmax, std::size_t nvis,
               std::size_t value_bytes) {
  check_options(o);
  Plan p;
  p.opt = o;
  p.wgrid = o.wgridding;
  p.hx = o.nx / 2 + 1;
  p.hy = o.ny / 2 + 1;
  p.nm1max = std::abs(nm1_of((o.nx / 2) * o.pixel_l, (o.ny / 2) * o.pixel_m));
  if (p.nm1max == 0) p.wgrid = false;
  const std::size_t budget = o.max_grid_bytes ? o.max_grid_bytes : kDefaultGridBytes;
  auto layout = [&](double sigma, const EsKernel& k) {
    p.kernel = k;
    p.nu = std::max<std::size_t>(good_size(static_cast<std::size_t>(std::ceil(sigma * o.nx))),
                                 2 * kTile);
    p.nv = std::max<std::size_t>(good_size(static_cast<std::size_t>(std::ceil(sigma * o.ny))),
                                 2 * kTile);
    const int W = k.support;
    if (p.wgrid) {
      // |xi| = dw |n - 1| must stay within 1/(2 sigma) of the kernel's oversampling.
      p.dw = 0.5 / (k.sigma * p.nm1max);
      p.w0 = wmin - p.dw * (0.5 * W - 1);
      const double qmax = (wmax - p.w0) / p.dw;
      p.info.nplanes =
          static_cast<std::size_t>(std::floor(qmax - 0.5 * W) + 1) + static_cast<std::size_t>(W);
      p.nw = W;
    } else {
      p.dw = 0;
      p.w0 = 0;
      p.info.nplanes = 1;
      p.nw = 1;
    }
    p.nbuckets = p.info.nplanes - static_cast<std::size_t>(p.nw) + 1;
    const std::size_t plane_bytes = 2 * p.nu * p.nv * value_bytes;
    const std::size_t fit = std::max<std::size_t>(1, budget / plane_bytes);
    p.slots = std::min<std::size_t>(std::min<std::size_t>(fit, static_cast<std::size_t>(p.nw)),
                                    p.info.nplanes);
  };
  // Cost (seconds; measured on a 2-3 GHz x86-64 with AVX2, 2048^2 pixels, W = 8): per visit of a
  // visibility (locating it, evaluating its three kernels) and per vector lane it adds to (W rows
  // of `lanes` cells, nw planes); per plane the pruned FFT and the passes over the grid.
  auto cost = [&]() {
    const int W = p.kernel.support;
    const double lanes = W <= 4 ? 4 : (W <= 8 ? 8 : 16);
    const double n = static_cast<double>(p.nu) * static_cast<double>(p.nv);
    const double G = static_cast<double>(p.slots);
    const double visits = G >= p.nw ? 1.0 : (p.nw + G - 1) / G;
    return static_cast<double>(nvis) * (visits * 20e-9 + 0.085e-9 * W * lanes * p.nw) +
           static_cast<double>(p.info.nplanes) * n * (0.2e-9 * std::log2(n) + 1.8e-9);
  };
  if (o.sigma > 0) {
    layout(o.sigma, kernel_for(o, o.sigma, p.wgrid));
  } else {
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
      const double c = cost();
      if (c < best) {
        best = c;
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
  in.slots = p.slots;
  return p;
}

Phasors::Phasors(const Plan& p) : cur(2 * p.hx * p.hy), step(2 * p.hx * p.hy) {
  parallel_for(p.hy, p.opt.threads, [&](std::size_t y0, std::size_t y1) {
    for (std::size_t ay = y0; ay < y1; ++ay)
      for (std::size_t ax = 0; ax < p.hx; ++ax) {
        const double x = nm1_of(static_cast<double>(ax) * p.opt.pixel_l,
                                static_cast<double>(ay) * p.opt.pixel_m);
        const std::size_t i = 2 * (ay * p.hx + ax);
        cur[i] = std::cos(2 * kPi * p.w0 * x);
        cur[i + 1] = -std::sin(2 * kPi * p.w0 * x);
        step[i] = std::cos(2 * kPi * p.dw * x);
        step[i + 1] = -std::sin(2 * kPi * p.dw * x);
      }
  });
}

void Phasors::advance(unsigned threads) { advance_phasors(cur, step, threads); }

void advance_phasors(std::vector<double>& cur, const std::vector<double>& step, unsigned threads) {
  const std::size_t n = cur.size() / 2;
  parallel_for(n, threads, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const double a = cur[2 * i], b = cur[2 * i + 1], c = step[2 * i], d = step[2 * i + 1];
      cur[2 * i] = a * c - b * d;
      cur[2 * i + 1] = a * d + b * c;
    }
  });
}

std::vector<double> correction(const Plan& p, double scale) {
  const EsKernel& k = p.kernel;
  std::vector<double> cu(p.hx), cv(p.hy);
  for (std::size_t i = 0; i < p.hx; ++i)
    cu[i] = k.fourier(static_cast<double>(i) / static_cast<double>(p.nu));
  for (std::size_t i = 0; i < p.hy; ++i)
    cv[i] = k.fourier(static_cast<double>(i) / static_cast<double>(p.nv));
  std::vector<double> out(p.hx * p.hy);
  if (p.wgrid) {
    const Chebyshev cw(-p.dw * p.nm1max, 0.0, 40, [&](double xi) { return k.fourier(xi); });
    parallel_for(p.hy, p.opt.threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t ay = y0; ay < y1; ++ay)
        for (std::size_t ax = 0; ax < p.hx; ++ax) {
          const double x = nm1_of(static_cast<double>(ax) * p.opt.pixel_l,
                                  static_cast<double>(ay) * p.opt.pixel_m);
          out[ay * p.hx + ax] = scale / (cu[ax] * cv[ay] * cw(p.dw * x));
        }
    });
  } else {
    for (std::size_t ay = 0; ay < p.hy; ++ay)
      for (std::size_t ax = 0; ax < p.hx; ++ax) out[ay * p.hx + ax] = scale / (cu[ax] * cv[ay]);
  }
  return out;
}

void zero(void* data, std::size_t bytes, unsigned threads) {
  auto* c = static_cast<unsigned char*>(data);
  parallel_for((bytes + 65535) / 65536, threads, [&](std::size_t b0, std::size_t b1) {
    const std::size_t lo = b0 * 65536, hi = std::min(bytes, b1 * 65536);
    std::memset(c + lo, 0, hi - lo);
  });
}

PlaneMemory::PlaneMemory(std::size_t bytes) {
#if defined(__linux__)
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + kHuge - 1) / kHuge * kHuge;
  if (posix_memalign(&p_, kHuge, rounded) != 0) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
  madvise(p_, rounded, MADV_HUGEPAGE);  // advice only: ignored where unsupported
#endif
#else
  p_ = ::operator new(std::max<std::size_t>(bytes, 1));
#endif
}

PlaneMemory::~PlaneMemory() {
#if defined(__linux__)
  free(p_);
#else
  ::operator delete(p_);
#endif
}

}  // namespace dsa110::gridder
