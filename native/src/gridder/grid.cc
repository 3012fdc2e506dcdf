// Gridding (G^H): step by step (see make_steps), every thread adds runs of channels of one tile
// to its tile buffer for all the planes of the window they reach (added to the shared plane
// grids under per-stripe locks); a plane no later step reaches goes through the pruned FFT,
// is multiplied by exp(-2 pi i w_p (n - 1)) and accumulated into the image, and its grid is
// cleared for reuse by a later plane.

#include "gridder/planes.h"

namespace dsa110::gridder {
namespace {

template <typename T, int W, bool Unit>
void grid_item_plain(const Visitor<T, W>& v, const Item& it, std::size_t b, int j0, int j1,
                     const T* vis, T* buf, int tu0, int tv0) {
  v.template grid_item<Unit>(it, b, j0, j1, vis, buf, tu0, tv0);
}
#if DSA110_GRIDDER_AVX2
template <typename T, int W, bool Unit>
__attribute__((target("avx2,fma"))) void grid_item_avx2(const Visitor<T, W>& v, const Item& it,
                                                        std::size_t b, int j0, int j1, const T* vis,
                                                        T* buf, int tu0, int tv0) {
  v.template grid_item<Unit>(it, b, j0, j1, vis, buf, tu0, tv0);
}
#endif

template <typename T, int W, bool Unit>
auto grid_item_fn() {
#if DSA110_GRIDDER_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return &grid_item_avx2<T, W, Unit>;
#endif
  return &grid_item_plain<T, W, Unit>;
}

template <typename T, int W>
void grid_w(const Plan& p, const Layout& d, const Buckets& bk, const T* vis, T* dirty,
            T* const grids) {
  const Kern<T, W> kern(p.kernel);
  using Vis = Visitor<T, W>;
  const Vis visitor(p, d, kern);
  // Unit visibilities (the PSF) leave the buffers' imaginary parts 0: neither added nor flushed.
  const bool real = p.opt.unit_vis;
  const auto grid_one = real ? grid_item_fn<T, W, true>() : grid_item_fn<T, W, false>();
  const PlaneFft<T> fft(p, bk.ucols);
  GridPlanes<T, W> planes(p, bk, grids, fft, visitor.pitch, real);
  const std::size_t np = p.info.nplanes;
  const std::vector<Step> steps = make_steps(p, bk);
  std::size_t done = 0;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    run_step(
        p, steps[s],
        [&] { return std::vector<T>(static_cast<std::size_t>(Vis::BH * visitor.pitch), T(0)); },
        [](std::vector<T>&, const Cursor&) {},
        [&](std::vector<T>& buf, const Cursor& c) {
          planes.flush(buf.data(), c.tile, c.b, c.j0, c.j1);
        },
        [&](std::vector<T>& buf, const Item& it, const Cursor& c) {
          grid_one(visitor, it, c.b, c.j0, c.j1, vis, buf.data(), c.tu0, c.tv0);
        });
    const std::size_t upto = s + 1 < steps.size() ? steps[s + 1].lo : np;
    for (; done < upto; ++done) planes.finalize(done);
  }
  for (; done < np; ++done) planes.finalize(done);
  planes.finish(dirty);
}

template <typename T, int W>
void grid_psf_item_plain(const Visitor<T, W>& v, const Item& it, std::size_t b, int j0, int j1,
                         const T* vis, T* buf, T* pbuf, int tu0, int tv0) {
  v.grid_psf_item(it, b, j0, j1, vis, buf, pbuf, tu0, tv0);
}
#if DSA110_GRIDDER_AVX2
template <typename T, int W>
__attribute__((target("avx2,fma"))) void grid_psf_item_avx2(const Visitor<T, W>& v, const Item& it,
                                                            std::size_t b, int j0, int j1,
                                                            const T* vis, T* buf, T* pbuf, int tu0,
                                                            int tv0) {
  v.grid_psf_item(it, b, j0, j1, vis, buf, pbuf, tu0, tv0);
}
#endif

// The dirty image and the PSF at one visit per visibility: two sets of planes, two buffers.
template <typename T, int W>
void grid_psf_w(const Plan& p, const Layout& d, const Buckets& bk, const T* vis, T* dirty, T* psf,
                T* const grids, T* const psf_grids) {
  const Kern<T, W> kern(p.kernel);
  using Vis = Visitor<T, W>;
  const Vis visitor(p, d, kern);
  auto one = &grid_psf_item_plain<T, W>;
#if DSA110_GRIDDER_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    one = &grid_psf_item_avx2<T, W>;
#endif
  const PlaneFft<T> fft(p, bk.ucols);
  GridPlanes<T, W> planes(p, bk, grids, fft, visitor.pitch, false);
  GridPlanes<T, W> psf_planes(p, bk, psf_grids, fft, visitor.pitch, true, true);
  struct Buffers {
    std::vector<T> data, psf;
  };
  const std::size_t size = static_cast<std::size_t>(Vis::BH * visitor.pitch);
  const std::size_t np = p.info.nplanes;
  const std::vector<Step> steps = make_steps(p, bk);
  std::size_t done = 0;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    run_step(
        p, steps[s],
        [&] {
          return Buffers{std::vector<T>(size, T(0)), std::vector<T>(size, T(0))};
        },
        [](Buffers&, const Cursor&) {},
        [&](Buffers& b, const Cursor& c) {
          planes.flush(b.data.data(), c.tile, c.b, c.j0, c.j1);
          psf_planes.flush(b.psf.data(), c.tile, c.b, c.j0, c.j1);
        },
        [&](Buffers& b, const Item& it, const Cursor& c) {
          one(visitor, it, c.b, c.j0, c.j1, vis, b.data.data(), b.psf.data(), c.tu0, c.tv0);
        });
    const std::size_t upto = s + 1 < steps.size() ? steps[s + 1].lo : np;
    for (; done < upto; ++done) {
      planes.finalize(done);
      psf_planes.finalize(done);
    }
  }
  for (; done < np; ++done) {
    planes.finalize(done);
    psf_planes.finalize(done);
  }
  planes.finish(dirty);
  psf_planes.finish(psf);
}

}  // namespace

template <typename T>
void grid_psf_planes(const Plan& p, const Layout& d, const Buckets& b, const T* vis, T* dirty,
                     T* psf, T* grids, T* psf_grids) {
  with_support(p.kernel.support, [&](auto w) {
    grid_psf_w<T, decltype(w)::value>(p, d, b, vis, dirty, psf, grids, psf_grids);
  });
}

template void grid_psf_planes<float>(const Plan&, const Layout&, const Buckets&, const float*,
                                     float*, float*, float*, float*);
template void grid_psf_planes<double>(const Plan&, const Layout&, const Buckets&, const double*,
                                      double*, double*, double*, double*);

template <typename T>
void grid_planes(const Plan& p, const Layout& d, const Buckets& b, const T* vis, T* dirty,
                 T* grids) {
  with_support(p.kernel.support,
               [&](auto w) { grid_w<T, decltype(w)::value>(p, d, b, vis, dirty, grids); });
}

template void grid_planes<float>(const Plan&, const Layout&, const Buckets&, const float*, float*,
                                 float*);
template void grid_planes<double>(const Plan&, const Layout&, const Buckets&, const double*,
                                  double*, double*);

}  // namespace dsa110::gridder
