// Degridding (G): the planes of each step's window are made when first needed (image times
// exp(+2 pi i w_p (n - 1)) and the grid correction, pruned inverse FFT) into the slot of a plane
// no later step reads; every thread then loads the window's planes of a tile into its buffer
// and adds them, through the kernels, to runs of channels of that tile.

#include "gridder/planes.h"

namespace dsa110::gridder {
namespace {

template <typename T, int W>
void degrid_item_plain(const Visitor<T, W>& v, const Item& it, std::size_t b, int j0, int j1,
                       T* vis, const T* buf, int tu0, int tv0) {
  v.degrid_item(it, b, j0, j1, vis, buf, tu0, tv0);
}
#if DSA110_GRIDDER_AVX2
template <typename T, int W>
__attribute__((target("avx2,fma"))) void degrid_item_avx2(const Visitor<T, W>& v, const Item& it,
                                                          std::size_t b, int j0, int j1, T* vis,
                                                          const T* buf, int tu0, int tv0) {
  v.degrid_item(it, b, j0, j1, vis, buf, tu0, tv0);
}
#endif

template <typename T, int W>
auto degrid_item_fn() {
#if DSA110_GRIDDER_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return &degrid_item_avx2<T, W>;
#endif
  return &degrid_item_plain<T, W>;
}

template <typename T, int W>
void degrid_w(const Plan& p, const Layout& d, const Buckets& bk, const T* image, T* vis,
              T* const grids) {
  const Kern<T, W> kern(p.kernel);
  using Vis = Visitor<T, W>;
  const Vis visitor(p, d, kern);
  const auto degrid_one = degrid_item_fn<T, W>();
  const PlaneFft<T> fft(p, bk.ucols);
  ModelPlanes<T, W> planes(p, image, grids, fft, visitor.pitch);
  if (!p.opt.accumulate) zero(vis, 2 * d.nrows * d.nchan * sizeof(T), p.opt.threads);
  for (const Step& st : make_steps(p, bk)) {
    if (st.total == 0) continue;
    planes.make_for(st);
    run_step(
        // Lanes past the kernel's reach read (and multiply by 0) cells past the span: keep them
        // finite.
        p, st,
        [&] { return std::vector<T>(static_cast<std::size_t>(Vis::BH * visitor.pitch), T(0)); },
        [&](std::vector<T>& buf, const Cursor& c) {
          planes.load(buf.data(), c.tile, c.b, c.j0, c.j1);
        },
        [](std::vector<T>&, const Cursor&) {},
        [&](std::vector<T>& buf, const Item& it, const Cursor& c) {
          degrid_one(visitor, it, c.b, c.j0, c.j1, vis, buf.data(), c.tu0, c.tv0);
        });
  }
}

}  // namespace

template <typename T>
void degrid_planes(const Plan& p, const Layout& d, const Buckets& b, const T* image, T* vis,
                   T* grids) {
  with_support(p.kernel.support,
               [&](auto w) { degrid_w<T, decltype(w)::value>(p, d, b, image, vis, grids); });
}

template void degrid_planes<float>(const Plan&, const Layout&, const Buckets&, const float*, float*,
                                   float*);
template void degrid_planes<double>(const Plan&, const Layout&, const Buckets&, const double*,
                                    double*, double*);

}  // namespace dsa110::gridder
