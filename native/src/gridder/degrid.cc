// Degridding (G): the planes of each step's window are made when first needed (image times
// exp(+2 pi i w_p (n - 1)) and the grid correction, pruned inverse FFT) into the slot of a plane
// no later step reads; every thread then loads the window's planes of a tile into its buffer
// and adds them, through the kernels, to runs of channels of that tile.

#include "common/parallel.h"
#include "gridder/visit.h"

namespace dsa110::gridder {
namespace {

template <typename T, int W>
void degrid_item_plain(const Visitor<T, W>& v, const Item& it, std::size_t b, int j0, int j1, T* vis, const T* buf, int tu0, int tv0) {
  v.degrid_item(it, b, j0, j1, vis, buf, tu0, tv0);
}
#if DSA110_GRIDDER_AVX2
template <typename T, int W>
__attribute__((target("avx2,fma"))) void degrid_item_avx2(const Visitor<T, W>& v, const Item& it, std::size_t b, int j0, int j1,
                                                          T* vis, const T* buf, int tu0, int tv0) {
  v.degrid_item(it, b, j0, j1, vis, buf, tu0, tv0);
}
#endif

template <typename T, int W>
auto degrid_item_fn() {
#if DSA110_GRIDDER_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &degrid_item_avx2<T, W>;
#endif
  return &degrid_item_plain<T, W>;
}

template <typename T, int W>
void degrid_w(const Plan& p, const Layout& d, const Buckets& bk, const T* image, T* vis, T* const grids) {
  const Kern<T, W> kern(p.kernel);
  using Vis = Visitor<T, W>;
  const Vis visitor(p, d, kern);
  const auto degrid_one = degrid_item_fn<T, W>();
  const unsigned threads = p.opt.threads;
  const std::size_t nx = p.opt.nx, ny = p.opt.ny, np = p.info.nplanes;
  const std::size_t nw = static_cast<std::size_t>(p.nw);
  const std::size_t plane = 2 * p.nu * p.nv;
  auto slot = [&](std::size_t q) { return grids + (q % p.slots) * plane; };
  Phasors ph = p.phasors ? *p.phasors : Phasors(p);
  const PlaneFft<T> fft(p, bk.ucols);
  const int pitch = visitor.pitch;
  const int span = kTile + W + 1;
  // The image with the grid correction, in double (the pruned inverse FFT is unscaled).
  std::vector<double> scaled(nx * ny);
  {
    const std::vector<double> own = p.corr ? std::vector<double>() : correction(p, 1.0);
    const std::vector<double>& corr = p.corr ? *p.corr : own;
    parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t y = y0; y < y1; ++y)
        for (std::size_t x = 0; x < nx; ++x)
          scaled[y * nx + x] = static_cast<double>(image[y * nx + x]) * corr[quad_index(y, ny) * p.hx + quad_index(x, nx)];
    });
  }
  if (!p.opt.accumulate) zero(vis, 2 * d.nrows * d.nchan * sizeof(T), threads);

  // Grid column and phasor column of each image column.
  std::vector<std::size_t> gxs(nx), axs(nx);
  for (std::size_t x = 0; x < nx; ++x) {
    gxs[x] = (x + p.nu - nx / 2) % p.nu;
    axs[x] = quad_index(x, nx);
  }
  // Plane q: grid = image * exp(+2 pi i w_q (n - 1)) at the image's pixels, 0 elsewhere, then
  // the inverse FFT.
  std::size_t made = 0;
  auto make = [&](std::size_t q) {
    T* grid = slot(q);
    zero(grid, plane * sizeof(T), threads);
    parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t y = y0; y < y1; ++y) {
        const std::size_t gy = (y + p.nv - ny / 2) % p.nv;
        const double* prow = ph.cur.data() + 2 * quad_index(y, ny) * p.hx;
        T* grow = grid + 2 * gy * p.nu;
        const double* srow = scaled.data() + y * nx;
        for (std::size_t x = 0; x < nx; ++x) {
          const std::size_t gx = gxs[x], ax = axs[x];
          grow[2 * gx] = static_cast<T>(srow[x] * prow[2 * ax]);
          grow[2 * gx + 1] = static_cast<T>(-srow[x] * prow[2 * ax + 1]);
        }
      }
    });
    fft.inverse(grid, threads);
    if (p.wgrid && q + 1 < np) ph.advance(threads);
  };

  // Copies local planes [j0, j1) of a tile (first plane b) from the plane grids into a buffer.
  auto load = [&](T* buf, std::size_t tile, std::size_t b, int j0, int j1) {
    const int tu = static_cast<int>(tile % p.ntu), tv = static_cast<int>(tile / p.ntu);
    const int x0 = tu * kTile - 1;
    const bool inside = x0 >= 0 && x0 + span <= static_cast<int>(p.nu);
    for (int j = j0; j < j1; ++j) {
      const T* grid = slot(b + static_cast<std::size_t>(j));
      for (int r = 0; r < span; ++r) {
        const T* __restrict row = grid + 2 * wrap_index(tv * kTile - 1 + r, p.nv) * p.nu;
        T* __restrict br = buf + r * pitch + 2 * j * Vis::BW;
        T* __restrict bi = br + Vis::BW;
        if (inside) {
          const T* __restrict in = row + 2 * static_cast<std::size_t>(x0);
          for (int a = 0; a < span; ++a) {
            br[a] = in[2 * a];
            bi[a] = in[2 * a + 1];
          }
        } else {
          for (int a = 0; a < span; ++a) {
            const std::size_t gx = wrap_index(x0 + a, p.nu);
            br[a] = row[2 * gx];
            bi[a] = row[2 * gx + 1];
          }
        }
      }
    }
  };

  const std::vector<Step> steps = make_steps(p, bk);
  for (const Step& st : steps) {
    if (st.total == 0) continue;
    for (; made < std::min(st.hi, np); ++made) {
      if (made < st.lo) {
        // A plane no step with data needs: only the phasors move on.
        if (p.wgrid && made + 1 < np) ph.advance(threads);
        continue;
      }
      make(made);
    }
    std::atomic<std::size_t> next{0};
    parallel_for(threads, threads, [&](std::size_t, std::size_t) {
      // Lanes past the kernel's reach read (and multiply by 0) cells past the span: keep them finite.
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
            cur_tile = it.tile;
            cur_b = b;
            j0 = static_cast<int>(std::max(st.lo, b) - b);
            j1 = static_cast<int>(std::min(st.hi, b + nw) - b);
            load(buf, cur_tile, cur_b, j0, j1);
            open = true;
          }
          const int tu = static_cast<int>(it.tile % p.ntu), tv = static_cast<int>(it.tile / p.ntu);
          degrid_one(visitor, it, b, j0, j1, vis, buf, tu * kTile, tv * kTile);
        }
      }
    });
  }
}

}  // namespace

template <typename T>
void degrid_planes(const Plan& p, const Layout& d, const Buckets& b, const T* image, T* vis, T* grids) {
  switch (p.kernel.support) {
    case 4: degrid_w<T, 4>(p, d, b, image, vis, grids); break;
    case 5: degrid_w<T, 5>(p, d, b, image, vis, grids); break;
    case 6: degrid_w<T, 6>(p, d, b, image, vis, grids); break;
    case 7: degrid_w<T, 7>(p, d, b, image, vis, grids); break;
    case 8: degrid_w<T, 8>(p, d, b, image, vis, grids); break;
    case 9: degrid_w<T, 9>(p, d, b, image, vis, grids); break;
    case 10: degrid_w<T, 10>(p, d, b, image, vis, grids); break;
    case 11: degrid_w<T, 11>(p, d, b, image, vis, grids); break;
    case 12: degrid_w<T, 12>(p, d, b, image, vis, grids); break;
    case 13: degrid_w<T, 13>(p, d, b, image, vis, grids); break;
    case 14: degrid_w<T, 14>(p, d, b, image, vis, grids); break;
    case 15: degrid_w<T, 15>(p, d, b, image, vis, grids); break;
    case 16: degrid_w<T, 16>(p, d, b, image, vis, grids); break;
    default: throw std::logic_error("gridder: unsupported kernel support " + std::to_string(p.kernel.support));
  }
}

template void degrid_planes<float>(const Plan&, const Layout&, const Buckets&, const float*, float*, float*);
template void degrid_planes<double>(const Plan&, const Layout&, const Buckets&, const double*, double*, double*);

}  // namespace dsa110::gridder
