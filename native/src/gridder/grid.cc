// Gridding (G^H): step by step (see make_steps), every thread adds runs of channels of one tile
// to its tile buffer for all the planes of the window they reach (added to the shared plane
// grids under per-stripe locks); a plane no later step reaches goes through the pruned FFT,
// is multiplied by exp(-2 pi i w_p (n - 1)) and accumulated into the image, and its grid is
// cleared for reuse by a later plane.

#include "common/parallel.h"
#include "gridder/visit.h"

namespace dsa110::gridder {
namespace {

template <typename T, int W, bool Unit>
void grid_item_plain(const Visitor<T, W>& v, const Item& it, std::size_t b, int j0, int j1, const T* vis, T* buf, int tu0, int tv0) {
  v.template grid_item<Unit>(it, b, j0, j1, vis, buf, tu0, tv0);
}
#if DSA110_GRIDDER_AVX2
template <typename T, int W, bool Unit>
__attribute__((target("avx2,fma"))) void grid_item_avx2(const Visitor<T, W>& v, const Item& it, std::size_t b, int j0, int j1,
                                                        const T* vis, T* buf, int tu0, int tv0) {
  v.template grid_item<Unit>(it, b, j0, j1, vis, buf, tu0, tv0);
}
#endif

template <typename T, int W, bool Unit>
auto grid_item_fn() {
#if DSA110_GRIDDER_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &grid_item_avx2<T, W, Unit>;
#endif
  return &grid_item_plain<T, W, Unit>;
}

template <typename T, int W>
void grid_w(const Plan& p, const Layout& d, const Buckets& bk, const T* vis, T* dirty, T* const grids) {
  const Kern<T, W> kern(p.kernel);
  using Vis = Visitor<T, W>;
  const Vis visitor(p, d, kern);
  // Unit visibilities (the PSF) leave the buffers' imaginary parts 0: neither added nor flushed.
  const bool real = p.opt.unit_vis;
  const auto grid_one = real ? grid_item_fn<T, W, true>() : grid_item_fn<T, W, false>();
  const unsigned threads = p.opt.threads;
  const std::size_t nx = p.opt.nx, ny = p.opt.ny, np = p.info.nplanes;
  const std::size_t nw = static_cast<std::size_t>(p.nw);
  const std::size_t plane = 2 * p.nu * p.nv;
  zero(grids, p.slots * plane * sizeof(T), threads);
  auto slot = [&](std::size_t q) { return grids + (q % p.slots) * plane; };
  // Planes some bucket reaches.
  std::vector<char> used(np, 0);
  for (std::size_t b = 0; b < p.nbuckets; ++b)
    if (!bk.lists[b].empty())
      for (std::size_t j = 0; j < nw; ++j) used[b + j] = 1;
  std::vector<double> acc(nx * ny, 0.0);
  StripeLocks locks(p.ntv);
  Phasors ph = p.phasors ? *p.phasors : Phasors(p);
  const PlaneFft<T> fft(p, bk.ucols);
  const int pitch = visitor.pitch;
  const int span = kTile + W + 1;

  // Adds local planes [j0, j1) of a tile buffer (first plane b) to the plane grids; clears them.
  auto flush = [&](T* buf, std::size_t tile, std::size_t b, int j0, int j1) {
    const int tu = static_cast<int>(tile % p.ntu), tv = static_cast<int>(tile / p.ntu);
    const int x0 = tu * kTile - 1;
    const bool inside = x0 >= 0 && x0 + span <= static_cast<int>(p.nu);
    locks.with(static_cast<std::size_t>(tv), [&] {
      for (int j = j0; j < j1; ++j) {
        T* grid = slot(b + static_cast<std::size_t>(j));
        for (int r = 0; r < span; ++r) {
          T* __restrict row = grid + 2 * wrap_index(tv * kTile - 1 + r, p.nv) * p.nu;
          T* __restrict br = buf + r * pitch + 2 * j * Vis::BW;
          T* __restrict bi = br + Vis::BW;
          if (inside && real) {
            T* __restrict out = row + 2 * static_cast<std::size_t>(x0);
            for (int a = 0; a < span; ++a) out[2 * a] += br[a];
          } else if (inside) {
            T* __restrict out = row + 2 * static_cast<std::size_t>(x0);
            for (int a = 0; a < span; ++a) {
              out[2 * a] += br[a];
              out[2 * a + 1] += bi[a];
            }
          } else {
            for (int a = 0; a < span; ++a) {
              const std::size_t gx = wrap_index(x0 + a, p.nu);
              row[2 * gx] += br[a];
              row[2 * gx + 1] += bi[a];
            }
          }
          for (int a = 0; a < span; ++a) br[a] = T(0);
          if (!real)
            for (int a = 0; a < span; ++a) bi[a] = T(0);
        }
      }
    });
  };

  // Grid column and phasor column of each image column.
  std::vector<std::size_t> gxs(nx), axs(nx);
  for (std::size_t x = 0; x < nx; ++x) {
    gxs[x] = (x + p.nu - nx / 2) % p.nu;
    axs[x] = quad_index(x, nx);
  }
  // FFT of plane q, acc += Re(grid * exp(-2 pi i w_q (n - 1))) over the image, grid cleared.
  auto finalize = [&](std::size_t q) {
    if (used[q]) {
      T* grid = slot(q);
      fft.forward(grid, threads);
      parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          const std::size_t gy = (y + p.nv - ny / 2) % p.nv;
          const std::size_t ay = quad_index(y, ny);
          const T* grow = grid + 2 * gy * p.nu;
          const double* prow = ph.cur.data() + 2 * ay * p.hx;
          double* arow = acc.data() + y * nx;
          for (std::size_t x = 0; x < nx; ++x) {
            const std::size_t gx = gxs[x], ax = axs[x];
            arow[x] += static_cast<double>(grow[2 * gx]) * prow[2 * ax] - static_cast<double>(grow[2 * gx + 1]) * prow[2 * ax + 1];
          }
        }
      });
      if (q + p.slots < np) zero(grid, plane * sizeof(T), threads);
    }
    if (p.wgrid && q + 1 < np) ph.advance(threads);
  };

  const std::vector<Step> steps = make_steps(p, bk);
  std::size_t done = 0;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Step& st = steps[s];
    std::atomic<std::size_t> next{0};
    parallel_for(threads, threads, [&](std::size_t, std::size_t) {
      std::vector<T> storage(static_cast<std::size_t>(Vis::BH * pitch), T(0));
      T* buf = storage.data();
      std::size_t k = 0, cur_tile = 0, cur_b = 0;
      int j0 = 0, j1 = 0;
      bool open = false;
      for (;;) {
        const std::size_t i0 = next.fetch_add(kChunk);
        if (i0 >= st.total) break;
        for (std::size_t i = i0; i < std::min(st.total, i0 + kChunk); ++i) {
          const Item& it = st.at(i, k);
          const std::size_t b = st.bucket[k];
          if (!open || it.tile != cur_tile || b != cur_b) {
            if (open) flush(buf, cur_tile, cur_b, j0, j1);
            cur_tile = it.tile;
            cur_b = b;
            j0 = static_cast<int>(std::max(st.lo, b) - b);
            j1 = static_cast<int>(std::min(st.hi, b + nw) - b);
            open = true;
          }
          const int tu = static_cast<int>(it.tile % p.ntu), tv = static_cast<int>(it.tile / p.ntu);
          grid_one(visitor, it, b, j0, j1, vis, buf, tu * kTile, tv * kTile);
        }
      }
      if (open) flush(buf, cur_tile, cur_b, j0, j1);
    });
    const std::size_t upto = s + 1 < steps.size() ? steps[s + 1].lo : np;
    for (; done < upto; ++done) finalize(done);
  }
  for (; done < np; ++done) finalize(done);

  const std::vector<double> corr = p.corr ? std::vector<double>() : correction(p, 1.0);
  const std::vector<double>& cr = p.corr ? *p.corr : corr;
  parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
    for (std::size_t y = y0; y < y1; ++y) {
      const std::size_t ay = quad_index(y, ny);
      for (std::size_t x = 0; x < nx; ++x) dirty[y * nx + x] = static_cast<T>(acc[y * nx + x] * cr[ay * p.hx + quad_index(x, nx)]);
    }
  });
}

}  // namespace

template <typename T>
void grid_planes(const Plan& p, const Layout& d, const Buckets& b, const T* vis, T* dirty, T* grids) {
  switch (p.kernel.support) {
    case 4: grid_w<T, 4>(p, d, b, vis, dirty, grids); break;
    case 5: grid_w<T, 5>(p, d, b, vis, dirty, grids); break;
    case 6: grid_w<T, 6>(p, d, b, vis, dirty, grids); break;
    case 7: grid_w<T, 7>(p, d, b, vis, dirty, grids); break;
    case 8: grid_w<T, 8>(p, d, b, vis, dirty, grids); break;
    case 9: grid_w<T, 9>(p, d, b, vis, dirty, grids); break;
    case 10: grid_w<T, 10>(p, d, b, vis, dirty, grids); break;
    case 11: grid_w<T, 11>(p, d, b, vis, dirty, grids); break;
    case 12: grid_w<T, 12>(p, d, b, vis, dirty, grids); break;
    case 13: grid_w<T, 13>(p, d, b, vis, dirty, grids); break;
    case 14: grid_w<T, 14>(p, d, b, vis, dirty, grids); break;
    case 15: grid_w<T, 15>(p, d, b, vis, dirty, grids); break;
    case 16: grid_w<T, 16>(p, d, b, vis, dirty, grids); break;
    default: throw std::logic_error("gridder: unsupported kernel support " + std::to_string(p.kernel.support));
  }
}

template void grid_planes<float>(const Plan&, const Layout&, const Buckets&, const float*, float*, float*);
template void grid_planes<double>(const Plan&, const Layout&, const Buckets&, const double*, double*, double*);

}  // namespace dsa110::gridder
