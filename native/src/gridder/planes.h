// Internal to the gridder: the w-plane grids of both directions, shared by the drivers (grid.cc,
// degrid.cc, residual.cc). GridPlanes receive tile buffers and turn into the image plane by
// plane; ModelPlanes are made from an image plane by plane and read into tile buffers.
#pragma once

#include <algorithm>
#include <atomic>
#include <vector>

#include "common/parallel.h"
#include "gridder/steps.h"
#include "gridder/visit.h"

namespace dsa110::gridder {

// Grid column (gxs) and phasor/correction column (axs) of each image column.
struct Columns {
  std::vector<std::size_t> gxs, axs;
  explicit Columns(const Plan& p) : gxs(p.opt.nx), axs(p.opt.nx) {
    const std::size_t nx = p.opt.nx;
    for (std::size_t x = 0; x < nx; ++x) {
      gxs[x] = (x + p.nu - nx / 2) % p.nu;
      axs[x] = quad_index(x, nx);
    }
  }
};

// The phasors exp(-2 pi i w_q (n - 1)) of the current plane q, advanced plane by plane: from the
// session's first-plane phasors into its scratch array (`cur_store`), or computed here.
struct PlanePhasors {
  Phasors own;
  std::vector<double>* cur = nullptr;
  const std::vector<double>* step = nullptr;
  PlanePhasors(const Plan& p, std::vector<double>* cur_store) {
    if (!p.phasors) {
      own = Phasors(p);
      cur = &own.cur;
      step = &own.step;
      return;
    }
    cur = cur_store ? cur_store : &own.cur;
    cur->assign(p.phasors->cur.begin(), p.phasors->cur.end());
    step = &p.phasors->step;
  }
  void advance(unsigned threads) { advance_phasors(*cur, *step, threads); }
};

// Gridding planes in p.slots slots of `grids` (cleared here). flush() adds a thread's tile
// buffer under per-stripe locks; finalize(q), once no later step reaches plane q: its pruned
// FFT, acc += Re(plane * exp(-2 pi i w_q (n - 1))), and the slot cleared for reuse; finish():
// the image times the grid correction. Real: the buffers' imaginary parts are all 0.
template <typename T, int W>
class GridPlanes {
 public:
  using Vis = Visitor<T, W>;
  // second: a second set alive at the same time (the PSF's), with its own work arrays.
  GridPlanes(const Plan& p, const Buckets& bk, T* grids, const PlaneFft<T>& fft, int pitch,
             bool real, bool second = false)
      : p_(p),
        grids_(grids),
        fft_(fft),
        pitch_(pitch),
        real_(real),
        plane_(2 * p.nu * p.nv),
        used_(p.info.nplanes, 0),
        locks_(p.ntv),
        ph_(p, p.scratch ? (second ? &p.scratch->cur_model : &p.scratch->cur_grid) : nullptr),
        cols_(p) {
    acc_ = p.scratch ? (second ? &p.scratch->acc_psf : &p.scratch->acc) : &own_acc_;
    acc_->assign(p.opt.nx * p.opt.ny, 0.0);
    zero(grids, p.slots * plane_ * sizeof(T), p.opt.threads);
    for (std::size_t b = 0; b < p.nbuckets; ++b)
      if (!bk.lists[b].empty())
        for (std::size_t j = 0; j < static_cast<std::size_t>(p.nw); ++j) used_[b + j] = 1;
  }

  // Adds local planes [j0, j1) of a tile buffer (first plane b) to the plane grids; clears them.
  void flush(T* buf, std::size_t tile, std::size_t b, int j0, int j1) {
    constexpr int span = kTile + W + 1;
    const int tu = static_cast<int>(tile % p_.ntu), tv = static_cast<int>(tile / p_.ntu);
    const int x0 = tu * kTile - 1;
    const bool inside = x0 >= 0 && x0 + span <= static_cast<int>(p_.nu);
    locks_.with(static_cast<std::size_t>(tv), [&] {
      for (int j = j0; j < j1; ++j) {
        T* grid = slot(b + static_cast<std::size_t>(j));
        for (int r = 0; r < span; ++r) {
          T* __restrict row = grid + 2 * wrap_index(tv * kTile - 1 + r, p_.nv) * p_.nu;
          T* __restrict br = buf + r * pitch_ + 2 * j * Vis::BW;
          T* __restrict bi = br + Vis::BW;
          if (inside && real_) {
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
              const std::size_t gx = wrap_index(x0 + a, p_.nu);
              row[2 * gx] += br[a];
              row[2 * gx + 1] += bi[a];
            }
          }
          for (int a = 0; a < span; ++a) br[a] = T(0);
          if (!real_)
            for (int a = 0; a < span; ++a) bi[a] = T(0);
        }
      }
    });
  }

  void finalize(std::size_t q) {
    const std::size_t nx = p_.opt.nx, ny = p_.opt.ny, np = p_.info.nplanes;
    const unsigned threads = p_.opt.threads;
    if (used_[q]) {
      T* grid = slot(q);
      fft_.forward(grid, threads);
      parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          const std::size_t gy = (y + p_.nv - ny / 2) % p_.nv;
          const T* grow = grid + 2 * gy * p_.nu;
          const double* prow = ph_.cur->data() + 2 * quad_index(y, ny) * p_.hx;
          double* arow = acc_->data() + y * nx;
          for (std::size_t x = 0; x < nx; ++x) {
            const std::size_t gx = cols_.gxs[x], ax = cols_.axs[x];
            arow[x] += static_cast<double>(grow[2 * gx]) * prow[2 * ax] -
                       static_cast<double>(grow[2 * gx + 1]) * prow[2 * ax + 1];
          }
        }
      });
      if (q + p_.slots < np) zero(grid, plane_ * sizeof(T), threads);
    }
    if (p_.wgrid && q + 1 < np) ph_.advance(threads);
  }

  void finish(T* dirty) const {
    const std::size_t nx = p_.opt.nx, ny = p_.opt.ny;
    const std::vector<double> own = p_.corr ? std::vector<double>() : correction(p_, 1.0);
    const std::vector<double>& corr = p_.corr ? *p_.corr : own;
    parallel_for(ny, p_.opt.threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t y = y0; y < y1; ++y) {
        const std::size_t ay = quad_index(y, ny);
        for (std::size_t x = 0; x < nx; ++x)
          dirty[y * nx + x] = static_cast<T>((*acc_)[y * nx + x] * corr[ay * p_.hx + cols_.axs[x]]);
      }
    });
  }

 private:
  T* slot(std::size_t q) const { return grids_ + (q % p_.slots) * plane_; }
  const Plan& p_;
  T* const grids_;
  const PlaneFft<T>& fft_;
  const int pitch_;
  const bool real_;
  const std::size_t plane_;
  std::vector<char> used_;
  std::vector<double> own_acc_;
  std::vector<double>* acc_ = nullptr;
  StripeLocks locks_;
  PlanePhasors ph_;
  const Columns cols_;
};

// Degridding planes in p.slots slots of `grids`: plane q = image times the grid correction and
// exp(+2 pi i w_q (n - 1)) at the image's pixels, 0 elsewhere, then the pruned inverse FFT.
// make_for(step) makes the planes of a step's window not made yet (skipping those before it);
// load() copies a tile's planes into a thread's buffer.
template <typename T, int W>
class ModelPlanes {
 public:
  using Vis = Visitor<T, W>;
  ModelPlanes(const Plan& p, const T* image, T* grids, const PlaneFft<T>& fft, int pitch)
      : p_(p),
        grids_(grids),
        fft_(fft),
        pitch_(pitch),
        plane_(2 * p.nu * p.nv),
        ph_(p, p.scratch ? &p.scratch->cur_model : nullptr),
        cols_(p) {
    const std::size_t nx = p.opt.nx, ny = p.opt.ny;
    std::vector<double>& scaled = p.scratch ? p.scratch->scaled : own_scaled_;
    scaled.resize(nx * ny);
    scaled_ = scaled.data();
    const std::vector<double> own = p.corr ? std::vector<double>() : correction(p, 1.0);
    const std::vector<double>& corr = p.corr ? *p.corr : own;
    parallel_for(ny, p.opt.threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t y = y0; y < y1; ++y)
        for (std::size_t x = 0; x < nx; ++x)
          scaled_[y * nx + x] = static_cast<double>(image[y * nx + x]) *
                                corr[quad_index(y, ny) * p.hx + cols_.axs[x]];
    });
  }

  void make_for(const Step& st) {
    const std::size_t np = p_.info.nplanes;
    for (; made_ < std::min(st.hi, np); ++made_) {
      if (made_ < st.lo) {
        // A plane no step with data needs: only the phasors move on.
        if (p_.wgrid && made_ + 1 < np) ph_.advance(p_.opt.threads);
        continue;
      }
      make(made_);
    }
  }

  // Copies local planes [j0, j1) of a tile (first plane b) from the plane grids into a buffer.
  void load(T* buf, std::size_t tile, std::size_t b, int j0, int j1) const {
    constexpr int span = kTile + W + 1;
    const int tu = static_cast<int>(tile % p_.ntu), tv = static_cast<int>(tile / p_.ntu);
    const int x0 = tu * kTile - 1;
    const bool inside = x0 >= 0 && x0 + span <= static_cast<int>(p_.nu);
    for (int j = j0; j < j1; ++j) {
      const T* grid = slot(b + static_cast<std::size_t>(j));
      for (int r = 0; r < span; ++r) {
        const T* __restrict row = grid + 2 * wrap_index(tv * kTile - 1 + r, p_.nv) * p_.nu;
        T* __restrict br = buf + r * pitch_ + 2 * j * Vis::BW;
        T* __restrict bi = br + Vis::BW;
        if (inside) {
          const T* __restrict in = row + 2 * static_cast<std::size_t>(x0);
          for (int a = 0; a < span; ++a) {
            br[a] = in[2 * a];
            bi[a] = in[2 * a + 1];
          }
        } else {
          for (int a = 0; a < span; ++a) {
            const std::size_t gx = wrap_index(x0 + a, p_.nu);
            br[a] = row[2 * gx];
            bi[a] = row[2 * gx + 1];
          }
        }
      }
    }
  }

 private:
  T* slot(std::size_t q) const { return grids_ + (q % p_.slots) * plane_; }
  void make(std::size_t q) {
    const std::size_t nx = p_.opt.nx, ny = p_.opt.ny, np = p_.info.nplanes;
    const unsigned threads = p_.opt.threads;
    T* grid = slot(q);
    zero(grid, plane_ * sizeof(T), threads);
    parallel_for(ny, threads, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t y = y0; y < y1; ++y) {
        const std::size_t gy = (y + p_.nv - ny / 2) % p_.nv;
        const double* prow = ph_.cur->data() + 2 * quad_index(y, ny) * p_.hx;
        T* grow = grid + 2 * gy * p_.nu;
        const double* srow = scaled_ + y * nx;
        for (std::size_t x = 0; x < nx; ++x) {
          const std::size_t gx = cols_.gxs[x], ax = cols_.axs[x];
          grow[2 * gx] = static_cast<T>(srow[x] * prow[2 * ax]);
          grow[2 * gx + 1] = static_cast<T>(-srow[x] * prow[2 * ax + 1]);
        }
      }
    });
    fft_.inverse(grid, threads);
    if (p_.wgrid && q + 1 < np) ph_.advance(threads);
  }
  const Plan& p_;
  T* const grids_;
  const PlaneFft<T>& fft_;
  const int pitch_;
  const std::size_t plane_;
  std::vector<double> own_scaled_;
  double* scaled_ = nullptr;
  PlanePhasors ph_;
  const Columns cols_;
  std::size_t made_ = 0;
};

// Every thread takes chunks of a step's items in order; at each change of (tile, bucket) it
// calls close(cur) for the previous one (if any) and open(next); each(item, bucket, cur) per
// item. State: the per-thread buffers the callbacks use, made by make_state().
struct Cursor {
  std::size_t tile = 0, b = 0;
  int j0 = 0, j1 = 0, tu0 = 0, tv0 = 0;
};
template <typename MakeState, typename Open, typename Close, typename Each>
void run_step(const Plan& p, const Step& st, MakeState&& make_state, Open&& open, Close&& close,
              Each&& each) {
  const std::size_t nw = static_cast<std::size_t>(p.nw);
  std::atomic<std::size_t> next{0};
  parallel_for(p.opt.threads, p.opt.threads, [&](std::size_t, std::size_t) {
    auto state = make_state();
    std::size_t k = 0;
    Cursor cur;
    bool is_open = false;
    for (;;) {
      const std::size_t i0 = next.fetch_add(kChunk);
      if (i0 >= st.total) break;
      for (std::size_t i = i0; i < std::min(st.total, i0 + kChunk); ++i) {
        const Item& it = st.at(i, k);
        const std::size_t b = st.bucket[k];
        if (!is_open || it.tile != cur.tile || b != cur.b) {
          if (is_open) close(state, cur);
          cur.tile = it.tile;
          cur.b = b;
          cur.j0 = static_cast<int>(std::max(st.lo, b) - b);
          cur.j1 = static_cast<int>(std::min(st.hi, b + nw) - b);
          cur.tu0 = static_cast<int>(it.tile % p.ntu) * kTile;
          cur.tv0 = static_cast<int>(it.tile / p.ntu) * kTile;
          open(state, cur);
          is_open = true;
        }
        each(state, it, cur);
      }
    }
    if (is_open) close(state, cur);
  });
}

}  // namespace dsa110::gridder
