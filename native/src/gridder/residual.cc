// A major cycle in one pass over the visibilities: for each step, the model's planes are made
// (as degridding makes them) and, per tile, loaded into one buffer while the residual is added
// to another (flushed as gridding flushes); each visibility's kernels are evaluated once, its
// prediction added to it and the result gridded. Needs the ring of planes (every visibility in
// one step): the caller falls back to degrid + grid otherwise.

#include "gridder/planes.h"

namespace dsa110::gridder {
namespace {

template <typename T, int W>
void residual_item_plain(const Visitor<T, W>& v, const Item& it, std::size_t b, int j0, int j1,
                         T* vis, const T* in, T* out, int tu0, int tv0) {
  v.residual_item(it, b, j0, j1, vis, in, out, tu0, tv0);
}
#if DSA110_GRIDDER_AVX2
template <typename T, int W>
__attribute__((target("avx2,fma"))) void residual_item_avx2(const Visitor<T, W>& v, const Item& it,
                                                            std::size_t b, int j0, int j1, T* vis,
                                                            const T* in, T* out, int tu0, int tv0) {
  v.residual_item(it, b, j0, j1, vis, in, out, tu0, tv0);
}
#endif

template <typename T, int W>
auto residual_item_fn() {
#if DSA110_GRIDDER_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return &residual_item_avx2<T, W>;
#endif
  return &residual_item_plain<T, W>;
}

template <typename T, int W>
void residual_w(const Plan& p, const Layout& d, const Buckets& bk, const T* image, T* vis, T* dirty,
                T* const model_grids, T* const grids) {
  if (p.slots < static_cast<std::size_t>(p.nw))
    throw std::logic_error("gridder: the fused residual pass needs the ring of planes");
  const Kern<T, W> kern(p.kernel);
  using Vis = Visitor<T, W>;
  const Vis visitor(p, d, kern);
  const auto one = residual_item_fn<T, W>();
  const PlaneFft<T> fft(p, bk.ucols);
  ModelPlanes<T, W> model(p, image, model_grids, fft, visitor.pitch);
  GridPlanes<T, W> planes(p, bk, grids, fft, visitor.pitch, false);
  struct Buffers {
    std::vector<T> in, out;
  };
  const std::size_t size = static_cast<std::size_t>(Vis::BH * visitor.pitch);
  const std::size_t np = p.info.nplanes;
  const std::vector<Step> steps = make_steps(p, bk);
  std::size_t done = 0;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Step& st = steps[s];
    if (st.total > 0) {
      model.make_for(st);
      run_step(
          p, st,
          [&] {
            return Buffers{std::vector<T>(size, T(0)), std::vector<T>(size, T(0))};
          },
          [&](Buffers& b, const Cursor& c) { model.load(b.in.data(), c.tile, c.b, c.j0, c.j1); },
          [&](Buffers& b, const Cursor& c) { planes.flush(b.out.data(), c.tile, c.b, c.j0, c.j1); },
          [&](Buffers& b, const Item& it, const Cursor& c) {
            one(visitor, it, c.b, c.j0, c.j1, vis, b.in.data(), b.out.data(), c.tu0, c.tv0);
          });
    }
    const std::size_t upto = s + 1 < steps.size() ? steps[s + 1].lo : np;
    for (; done < upto; ++done) planes.finalize(done);
  }
  for (; done < np; ++done) planes.finalize(done);
  planes.finish(dirty);
}

}  // namespace

template <typename T>
void residual_planes(const Plan& p, const Layout& d, const Buckets& b, const T* image, T* vis,
                     T* dirty, T* model_grids, T* grids) {
  with_support(p.kernel.support, [&](auto w) {
    residual_w<T, decltype(w)::value>(p, d, b, image, vis, dirty, model_grids, grids);
  });
}

template void residual_planes<float>(const Plan&, const Layout&, const Buckets&, const float*,
                                     float*, float*, float*, float*);
template void residual_planes<double>(const Plan&, const Layout&, const Buckets&, const double*,
                                      double*, double*, double*, double*);

}  // namespace dsa110::gridder
