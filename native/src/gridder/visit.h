// Internal to the gridder: the per-visibility code shared by gridding and degridding. A
// visibility's u, v and w kernels are evaluated once per visit and applied to every w plane of
// the window it reaches, through a thread's tile buffer that holds those planes side by side:
// row r of local plane j starts at buf + r * pitch + 2 j BW (real parts; imaginary BW later).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "gridder/plan.h"

// The per-visibility code is compiled twice on x86-64 with GCC/Clang: for the baseline ISA the
// binary ships for, and with AVX2+FMA, chosen at run time (no -march=native in the build).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(_MSC_VER)
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

// Items a thread takes at a time from a step's work list.
constexpr std::size_t kChunk = 16;

// Polynomial kernel evaluation for support W: all W values at once, lanes padded for SIMD.
template <typename T, int W>
struct Kern {
  // Lanes: a power of two (GCC/Clang vector types) covering W; the extra lanes are 0.
  static constexpr int NV = W <= 4 ? 4 : (W <= 8 ? 8 : 16);
#if DSA110_GRIDDER_VEC
  typedef T V __attribute__((vector_size(sizeof(T) * NV)));
  // The same vector at any element-aligned address of the tile buffers.
  typedef T U __attribute__((vector_size(sizeof(T) * NV), aligned(sizeof(T)), may_alias));
#else
  struct V {
    T x[NV];
    T& operator[](int i) { return x[i]; }
    const T& operator[](int i) const { return x[i]; }
  };
#endif
  // Coefficients from the highest power down, padded with a leading 0 to an odd degree, so
  // that row 2i multiplies an odd power and row 2i + 1 an even one.
  int pairs;
  alignas(64) T c[kMaxDegree + 2][NV];
  explicit Kern(const EsKernel& k) : pairs((k.degree | 1) / 2 + 1) {
    const int pad = (k.degree & 1) ? 0 : 1;
    for (int d = 0; d < kMaxDegree + 2; ++d)
      for (int a = 0; a < NV; ++a) {
        const int src = d - pad;
        c[d][a] = (src >= 0 && src <= k.degree && a < W)
                      ? static_cast<T>(k.coeff[static_cast<std::size_t>(src * W + a)])
                      : T(0);
      }
  }
  // Horner in y^2 on the odd and the even coefficients: two independent chains of half the
  // length (the evaluation is latency- rather than throughput-bound), no branches.
  DSA110_INLINE void eval(T y, V& out) const {
    const T y2 = y * y;
#if DSA110_GRIDDER_VEC
    const V* cv = reinterpret_cast<const V*>(&c[0][0]);
    V o = cv[0], e = cv[1];
    for (int i = 1; i < pairs; ++i) {
      o = o * y2 + cv[2 * i];
      e = e * y2 + cv[2 * i + 1];
    }
    out = e + y * o;
#else
    T e[NV], o[NV];
    for (int a = 0; a < NV; ++a) {
      o[a] = c[0][a];
      e[a] = c[1][a];
    }
    for (int i = 1; i < pairs; ++i)
      for (int a = 0; a < NV; ++a) {
        o[a] = o[a] * y2 + c[2 * i][a];
        e[a] = e[a] * y2 + c[2 * i + 1][a];
      }
    for (int a = 0; a < NV; ++a) out[a] = e[a] + y * o[a];
#endif
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
DSA110_INLINE Pos locate(double g, std::size_t n, double inv_n, int W) {
  const double dn = static_cast<double>(n);
  // Fold into about [0, n) (the grid is periodic); a rounding error of the reciprocal leaves g
  // just outside, which the wrap of `first` below absorbs.
  g -= dn * static_cast<double>(ifloor(g * inv_n));
  const double s = g - 0.5 * W;
  int first = ifloor(s) + 1;
  const double y = 2 * (first - s) - 1;
  if (first < 0) first += static_cast<int>(n);
  if (first >= static_cast<int>(n)) first -= static_cast<int>(n);
  return {first, y};
}

// First w plane touched and the polynomial variable in w.
DSA110_INLINE Pos locate_w(double w, double w0, double inv_dw, int W) {
  const double s = (w - w0) * inv_dw - 0.5 * W;
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

template <typename T, int W>
struct Visitor {
  using K = Kern<T, W>;
  using V = typename K::V;
  // Tile buffer: BH rows (the tile, one cell before it, the kernel's reach after it) of BW cells
  // per plane (room for the NV lanes written from the last start cell of the tile).
  static constexpr int BW = kTile + 1 + K::NV;
  static constexpr int BH = kTile + 1 + W;
  static_assert(BW >= kTile + W + 1, "buffer rows too short");
  // Visibilities of one item at the same cell added together (gridding).
  static constexpr int kRun = 8;
  const Plan& p;
  const Layout& d;
  const K& kern;
  double inv_nu, inv_nv, inv_dw;
  double fspan;   // highest minus lowest frequency
  int nw, pitch;  // planes per visibility; buffer row pitch (nw * 2 * BW)

  Visitor(const Plan& plan, const Layout& data, const K& k)
      : p(plan),
        d(data),
        kern(k),
        inv_nu(1.0 / static_cast<double>(plan.nu)),
        inv_nv(1.0 / static_cast<double>(plan.nv)),
        inv_dw(plan.wgrid ? 1.0 / plan.dw : 0.0),
        nw(plan.nw),
        pitch(plan.nw * 2 * BW) {
    const auto [lo, hi] = std::minmax_element(data.freqs, data.freqs + data.nchan);
    fspan = *hi - *lo;
  }

  // One visibility: buffer offsets, u and v kernels, the w kernel on local planes [j0, j1).
  struct At {
    int ru, rv;
    V ku, kv;
    V kw;  // lane j: the w kernel on local plane j (0 outside the window)
  };

  // One item (a row's run of channels in one tile): coordinates in cells are a * f, and the
  // first cell's offset in the tile buffer is floor(a f - W/2) + c. The grid's periodic fold is
  // the same for all channels of the item (they share a tile), so it is found once, at the
  // first channel, by locate() as the bucketing did.
  struct Line {
    double au, av, aw, bw;
    int cu, cv;
    int tu0, tv0;
    // The fold is the same for all channels (checked from the band's span); if not (an image
    // whose uv cells are coarser than the baselines' spread, aliasing), every channel is folded.
    bool fixed;
  };
  DSA110_INLINE Line line(const Item& it, double u, double v, double w, int tu0, int tv0) const {
    Line l;
    l.au = p.ufac * u;
    l.av = p.vfac * v;
    l.aw = p.wgrid ? w / kSpeedOfLight * inv_dw : 0.0;
    l.bw = p.wgrid ? -p.w0 * inv_dw - 0.5 * W : 0.0;
    const double f0 = d.freqs[it.ch0];
    const Pos pu = locate(p.ufac * u * f0, p.nu, inv_nu, W);
    const Pos pv = locate(p.vfac * v * f0, p.nv, inv_nv, W);
    l.cu = tile_offset(pu.first, tu0, static_cast<int>(p.nu)) + 1 - ifloor(l.au * f0 - 0.5 * W);
    l.cv = tile_offset(pv.first, tv0, static_cast<int>(p.nv)) + 1 - ifloor(l.av * f0 - 0.5 * W);
    l.tu0 = tu0;
    l.tv0 = tv0;
    // Channels of one tile whose unfolded first cells differ by less than n - kTile share the fold.
    l.fixed = std::abs(l.au) * fspan + 2 < static_cast<double>(p.nu) - kTile - 1 &&
              std::abs(l.av) * fspan + 2 < static_cast<double>(p.nv) - kTile - 1;
    return l;
  }

  // False when the visibility's w support misses the planes [b + j0, b + j1).
  DSA110_INLINE bool where(const Line& l, double f, std::size_t b, int j0, int j1, At& at) const {
    T yu, yv;
    if (l.fixed) {
      const double su = l.au * f - 0.5 * W, sv = l.av * f - 0.5 * W;
      const int fu = ifloor(su), fv = ifloor(sv);
      at.ru = fu + l.cu;
      at.rv = fv + l.cv;
      yu = static_cast<T>(2 * (fu + 1 - su) - 1);
      yv = static_cast<T>(2 * (fv + 1 - sv) - 1);
    } else {
      const Pos pu = locate(l.au * f, p.nu, inv_nu, W);
      const Pos pv = locate(l.av * f, p.nv, inv_nv, W);
      at.ru = tile_offset(pu.first, l.tu0, static_cast<int>(p.nu)) + 1;
      at.rv = tile_offset(pv.first, l.tv0, static_cast<int>(p.nv)) + 1;
      yu = static_cast<T>(pu.y);
      yv = static_cast<T>(pv.y);
    }
    if (p.wgrid) {
      const double sw = l.aw * f + l.bw;
      const int first = ifloor(sw) + 1;
      // Local plane j is kernel cell j + off (off is 0 unless the bucket's plane was clamped or
      // rounding put the visibility on the other side of a plane boundary).
      const int off = static_cast<int>(b) - first;
      kern.eval(static_cast<T>(2 * (first - sw) - 1), at.kw);
      if (off != 0 || j0 != 0 || j1 != W) {
        const V kwl = at.kw;
        bool any = false;
        for (int j = 0; j < K::NV; ++j) {
          const int a = j + off;
          const bool in = j >= j0 && j < j1 && a >= 0 && a < W;
          at.kw[j] = in ? kwl[in ? a : 0] : T(0);
          any = any || in;
        }
        if (!any) return false;
      }
    } else {
      at.kw = V{};
      at.kw[0] = T(1);
    }
    if (at.ru < 0 || at.rv < 0 || at.ru + W > BW || at.rv + W > BH)
      throw std::logic_error("gridder: visibility outside its tile buffer");
    kern.eval(yu, at.ku);
    kern.eval(yv, at.kv);
    return true;
  }

#if DSA110_GRIDDER_VEC
  // A run of visibilities of one item that start at the same cell: their u kernels, and per
  // row r the products (vis kv[r]) kw as vectors over the local planes j.
  struct Run {
    int m = 0, ru = -1, rv = -1;
    V ku[kRun];
    V qr[kRun][W], qi[kRun][W];
  };
  // Real: the visibilities are real (the PSF's unit visibilities): imaginary parts stay 0.
  template <bool Real>
  DSA110_INLINE void run_add(Run& run, const At& at, T vr, T vi) const {
    const V kw = at.kw;
    const int k = run.m++;
    run.ku[k] = at.ku;
    for (int r = 0; r < W; ++r) {
      run.qr[k][r] = kw * (vr * at.kv[r]);
      if (!Real) run.qi[k][r] = kw * (vi * at.kv[r]);
    }
  }
  // buffer[r][j] += sum over the run of ku (vis kv[r] kw[j]), for rows r < W and local planes
  // j in [j0, j1) (NJ of them when NJ > 0): each buffer vector is loaded and stored once a run.
  template <int NJ, bool Real>
  DSA110_INLINE void run_flush(T* buf, const Run& run, int j0, int j1) const {
    using U = typename K::U;
    const int n = NJ > 0 ? NJ : j1 - j0;
    T* base = buf + run.rv * pitch + run.ru;
    for (int r = 0; r < W; ++r) {
      T* row = base + r * pitch;
      for (int jj = 0; jj < n; ++jj) {
        const int j = j0 + jj;
        U* pr = reinterpret_cast<U*>(row + 2 * j * BW);
        V ar = *pr;
        for (int k = 0; k < run.m; ++k) ar += run.ku[k] * run.qr[k][r][j];
        *pr = ar;
        if (!Real) {
          U* pi = reinterpret_cast<U*>(row + (2 * j + 1) * BW);
          V ai = *pi;
          for (int k = 0; k < run.m; ++k) ai += run.ku[k] * run.qi[k][r][j];
          *pi = ai;
        }
      }
    }
  }
  template <bool Real>
  DSA110_INLINE void run_flush(T* buf, Run& run, int j0, int j1) const {
    if (run.m == 0) return;
    if (j1 - j0 == W)
      run_flush<W, Real>(buf, run, j0, j1);
    else if (j1 - j0 == 1)
      run_flush<1, Real>(buf, run, j0, j1);
    else
      run_flush<0, Real>(buf, run, j0, j1);
    run.m = 0;
  }

  // (sr, si) = sum over r < W, j in [j0, j1), a of buffer[r][j][a] ku[a] kv[r] kw[j].
  template <int NJ>
  DSA110_INLINE void read_planes(const T* base, const At& at, int j0, int j1, T& sr, T& si) const {
    using U = typename K::U;
    const int n = NJ > 0 ? NJ : j1 - j0;
    V ar{}, ai{};
    for (int r = 0; r < W; ++r) {
      const T* row = base + r * pitch + 2 * j0 * BW;
      V qr{}, qi{};
      for (int j = 0; j < n; ++j) {
        const T kw = at.kw[j0 + j];
        qr += *reinterpret_cast<const U*>(row + 2 * j * BW) * kw;
        qi += *reinterpret_cast<const U*>(row + (2 * j + 1) * BW) * kw;
      }
      ar += qr * at.kv[r];
      ai += qi * at.kv[r];
    }
    ar *= at.ku;
    ai *= at.ku;
    for (int a = 0; a < W; ++a) {
      sr += ar[a];
      si += ai[a];
    }
  }
#endif

#if !DSA110_GRIDDER_VEC
  struct Run {};
#endif

  // Adds one visibility (vr, vi, weighted) to local planes [j0, j1) of the buffer: into the run
  // of the item's visibilities at the same cell, flushed when the cell changes or it is full.
  template <bool Real>
  DSA110_INLINE void add_at(Run& run, T* buf, const At& at, T vr, T vi, int j0, int j1) const {
#if DSA110_GRIDDER_VEC
    if (at.ru != run.ru || at.rv != run.rv || run.m == kRun) {
      run_flush<Real>(buf, run, j0, j1);
      run.ru = at.ru;
      run.rv = at.rv;
    }
    run_add<Real>(run, at, vr, vi);
#else
    (void)run;
    T* base = buf + at.rv * pitch + at.ru;
    for (int r = 0; r < W; ++r) {
      T* row = base + r * pitch;
      for (int j = j0; j < j1; ++j) {
        const T fr = vr * at.kv[r] * at.kw[j], fi = vi * at.kv[r] * at.kw[j];
        T* pr = row + 2 * j * BW;
        T* pi = row + (2 * j + 1) * BW;
        for (int a = 0; a < W; ++a) {
          pr[a] += fr * at.ku[a];
          if (!Real) pi[a] += fi * at.ku[a];
        }
      }
    }
#endif
  }
  template <bool Real>
  DSA110_INLINE void end_run(Run& run, T* buf, int j0, int j1) const {
#if DSA110_GRIDDER_VEC
    run_flush<Real>(buf, run, j0, j1);
#else
    (void)run, (void)buf, (void)j0, (void)j1;
#endif
  }

  // (sr, si) = the buffer's local planes [j0, j1) read through the kernels at one visibility.
  DSA110_INLINE void read_at(const T* buf, const At& at, int j0, int j1, T& sr, T& si) const {
    const T* base = buf + at.rv * pitch + at.ru;
    sr = 0;
    si = 0;
#if DSA110_GRIDDER_VEC
    if (j1 - j0 == W)
      read_planes<W>(base, at, j0, j1, sr, si);
    else if (j1 - j0 == 1)
      read_planes<1>(base, at, j0, j1, sr, si);
    else
      read_planes<0>(base, at, j0, j1, sr, si);
#else
    for (int r = 0; r < W; ++r) {
      const T* row = base + r * pitch;
      for (int j = j0; j < j1; ++j) {
        const T* pr = row + 2 * j * BW;
        const T* pi = row + (2 * j + 1) * BW;
        T rr = 0, ri = 0;
        for (int a = 0; a < W; ++a) {
          rr += pr[a] * at.ku[a];
          ri += pi[a] * at.ku[a];
        }
        sr += rr * at.kv[r] * at.kw[j];
        si += ri * at.kv[r] * at.kw[j];
      }
    }
#endif
  }

  // Adds the channels of one item (first plane b) to local planes [j0, j1) of the buffer.
  // Unit: every visibility is 1 (the PSF): the buffer's imaginary parts are left untouched (0),
  // half the work, and the sums are those of the general path (which adds exact zeros).
  template <bool Unit>
  DSA110_INLINE void grid_item(const Item& it, std::size_t b, int j0, int j1, const T* vis, T* buf,
                               int tu0, int tv0) const {
    const double* uvw = d.uvw + 3 * it.row;
    const double s = (p.wgrid && uvw[2] < 0) ? -1.0 : 1.0;
    const T conj = static_cast<T>(s);
    const Line l = line(it, s * uvw[0], s * uvw[1], s * uvw[2], tu0, tv0);
    At at;
    Run run;
    for (std::uint32_t c = it.ch0; c < it.ch1; ++c) {
      const std::size_t k = static_cast<std::size_t>(it.row) * d.nchan + c;
      if (!where(l, d.freqs[c], b, j0, j1, at)) continue;
      const T wt = static_cast<T>(d.weights[k]);
      const T vr = Unit ? wt : vis[2 * k] * wt, vi = Unit ? T(0) : vis[2 * k + 1] * wt * conj;
      add_at<Unit>(run, buf, at, vr, vi, j0, j1);
    }
    end_run<Unit>(run, buf, j0, j1);
  }

  // grid_item<false> into `buf` and grid_item<true> (the PSF) into `pbuf` at one visit.
  DSA110_INLINE void grid_psf_item(const Item& it, std::size_t b, int j0, int j1, const T* vis,
                                   T* buf, T* pbuf, int tu0, int tv0) const {
    const double* uvw = d.uvw + 3 * it.row;
    const double s = (p.wgrid && uvw[2] < 0) ? -1.0 : 1.0;
    const T conj = static_cast<T>(s);
    const Line l = line(it, s * uvw[0], s * uvw[1], s * uvw[2], tu0, tv0);
    At at;
    Run run, prun;
    for (std::uint32_t c = it.ch0; c < it.ch1; ++c) {
      const std::size_t k = static_cast<std::size_t>(it.row) * d.nchan + c;
      if (!where(l, d.freqs[c], b, j0, j1, at)) continue;
      const T wt = static_cast<T>(d.weights[k]);
      add_at<false>(run, buf, at, vis[2 * k] * wt, vis[2 * k + 1] * wt * conj, j0, j1);
      add_at<true>(prun, pbuf, at, wt, T(0), j0, j1);
    }
    end_run<false>(run, buf, j0, j1);
    end_run<true>(prun, pbuf, j0, j1);
  }

  // Adds local planes [j0, j1) of the buffer, read at each channel of one item, to its
  // visibilities.
  DSA110_INLINE void degrid_item(const Item& it, std::size_t b, int j0, int j1, T* vis,
                                 const T* buf, int tu0, int tv0) const {
    const double* uvw = d.uvw + 3 * it.row;
    const double s = (p.wgrid && uvw[2] < 0) ? -1.0 : 1.0;
    const T conj = static_cast<T>(s);
    const Line l = line(it, s * uvw[0], s * uvw[1], s * uvw[2], tu0, tv0);
    At at;
    for (std::uint32_t c = it.ch0; c < it.ch1; ++c) {
      const std::size_t k = static_cast<std::size_t>(it.row) * d.nchan + c;
      if (!where(l, d.freqs[c], b, j0, j1, at)) continue;
      T sr, si;
      read_at(buf, at, j0, j1, sr, si);
      const T wt = d.weights && !p.opt.select_only ? static_cast<T>(d.weights[k]) : T(1);
      vis[2 * k] += sr * wt;
      vis[2 * k + 1] += si * wt * conj;
    }
  }

  // Both at one visit (a major cycle): vis += G(model) read from `in` (the weights only select),
  // then the new vis, weighted, added to `out` -- the values and sums of degrid_item with
  // select_only and accumulate followed by grid_item, with the kernels evaluated once.
  DSA110_INLINE void residual_item(const Item& it, std::size_t b, int j0, int j1, T* vis,
                                   const T* in, T* out, int tu0, int tv0) const {
    const double* uvw = d.uvw + 3 * it.row;
    const double s = (p.wgrid && uvw[2] < 0) ? -1.0 : 1.0;
    const T conj = static_cast<T>(s);
    const Line l = line(it, s * uvw[0], s * uvw[1], s * uvw[2], tu0, tv0);
    At at;
    Run run;
    for (std::uint32_t c = it.ch0; c < it.ch1; ++c) {
      const std::size_t k = static_cast<std::size_t>(it.row) * d.nchan + c;
      if (!where(l, d.freqs[c], b, j0, j1, at)) continue;
      T sr, si;
      read_at(in, at, j0, j1, sr, si);
      vis[2 * k] += sr * T(1);
      vis[2 * k + 1] += si * T(1) * conj;
      const T wt = static_cast<T>(d.weights[k]);
      add_at<false>(run, out, at, vis[2 * k] * wt, vis[2 * k + 1] * wt * conj, j0, j1);
    }
    end_run<false>(run, out, j0, j1);
  }
};

}  // namespace dsa110::gridder
