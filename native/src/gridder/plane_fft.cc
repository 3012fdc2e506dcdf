// Pruned 2-D FFTs of a w plane (see PlaneFft in plan.h): lines are transformed B at a time as
// SIMD lanes (B complex values = one cache line), as fft/fft2d.cc does, but only the lines the
// gridder needs: columns that hold (or will be read as) visibility data and the image's rows.
#include <algorithm>
#include <vector>

#include "common/complex.h"
#include "common/parallel.h"
#include "fft/plan.h"
#include "gridder/plan.h"

namespace dsa110::gridder {

template <typename T>
struct PlaneFft<T>::Impl {
  static constexpr std::size_t B = 64 / sizeof(Cx<T>);
  using L = Lanes<T, B>;
  std::size_t nu, nv;
  fft::Plan<T> pu, pv;              // row (length nu) and column (length nv) transforms
  std::vector<std::size_t> blocks;  // first columns of the B-column blocks with data
  std::vector<std::size_t> rows;    // grid rows of the image

  Impl(const Plan& p, const std::vector<char>& ucols) : nu(p.nu), nv(p.nv), pu(p.nu), pv(p.nv) {
    for (std::size_t x0 = 0; x0 < nu; x0 += B) {
      bool any = false;
      for (std::size_t x = x0; x < std::min(nu, x0 + B); ++x) any = any || ucols[x];
      if (any) blocks.push_back(x0);
    }
    const std::size_t ny = p.opt.ny;
    rows.resize(ny);
    for (std::size_t y = 0; y < ny; ++y) rows[y] = (y + nv - ny / 2) % nv;
  }

  void columns(Cx<T>* data, bool fwd, unsigned threads) const {
    parallel_for(blocks.size(), threads, [&](std::size_t b0, std::size_t b1) {
      std::vector<L> buf(nv), scratch(pv.scratch_size());
      for (std::size_t b = b0; b < b1; ++b) {
        const std::size_t x0 = blocks[b];
        for (std::size_t y = 0; y < nv; ++y) {
          const Cx<T>* src = data + y * nu + x0;
          L& l = buf[y];
          for (std::size_t c = 0; c < B; ++c) {
            l.r[c] = src[c].r;
            l.i[c] = src[c].i;
          }
        }
        pv.exec(buf.data(), fwd, scratch.data());
        for (std::size_t y = 0; y < nv; ++y) {
          Cx<T>* dst = data + y * nu + x0;
          const L& l = buf[y];
          for (std::size_t c = 0; c < B; ++c) dst[c] = {l.r[c], l.i[c]};
        }
      }
    });
  }

  void image_rows(Cx<T>* data, bool fwd, unsigned threads) const {
    const std::size_t nfull = rows.size() / B;
    const std::size_t items = nfull + (rows.size() - nfull * B);
    parallel_for(items, threads, [&](std::size_t i0, std::size_t i1) {
      std::vector<L> buf, lscratch;
      std::vector<Cx<T>> scratch;
      for (std::size_t item = i0; item < i1; ++item) {
        if (item < nfull) {
          if (buf.empty()) {
            buf.resize(nu);
            lscratch.resize(pu.scratch_size());
          }
          for (std::size_t c = 0; c < B; ++c) {
            const Cx<T>* src = data + rows[item * B + c] * nu;
            for (std::size_t x = 0; x < nu; ++x) {
              buf[x].r[c] = src[x].r;
              buf[x].i[c] = src[x].i;
            }
          }
          pu.exec(buf.data(), fwd, lscratch.data());
          for (std::size_t c = 0; c < B; ++c) {
            Cx<T>* dst = data + rows[item * B + c] * nu;
            for (std::size_t x = 0; x < nu; ++x) dst[x] = {buf[x].r[c], buf[x].i[c]};
          }
        } else {
          if (scratch.empty()) scratch.resize(pu.scratch_size());
          pu.exec(data + rows[nfull * B + (item - nfull)] * nu, fwd, scratch.data());
        }
      }
    });
  }
};

template <typename T>
PlaneFft<T>::PlaneFft(const Plan& p, const std::vector<char>& ucols) : impl_(new Impl(p, ucols)) {}

template <typename T>
PlaneFft<T>::~PlaneFft() {
  delete impl_;
}

template <typename T>
void PlaneFft<T>::forward(T* grid, unsigned threads) const {
  Cx<T>* data = reinterpret_cast<Cx<T>*>(grid);
  impl_->columns(data, true, threads);
  impl_->image_rows(data, true, threads);
}

template <typename T>
void PlaneFft<T>::inverse(T* grid, unsigned threads) const {
  Cx<T>* data = reinterpret_cast<Cx<T>*>(grid);
  impl_->image_rows(data, false, threads);
  impl_->columns(data, false, threads);
}

template class PlaneFft<float>;
template class PlaneFft<double>;

}  // namespace dsa110::gridder
