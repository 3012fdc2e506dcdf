// Internal to the gridder: the plan of one call (kernel, grid, w planes, how many planes are
// held at once), the visibility buckets, the w-plane phasors and the grid correction.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "gridder/kernel.h"
#include "gridder/wgridder.h"

namespace dsa110::gridder {

constexpr double kPi = 3.141592653589793238462643383279502884;
constexpr double kSpeedOfLight = 299792458.0;
// uv tiles of kTile x kTile cells; a thread's buffer covers a tile, one cell before it (rounding
// at tile edges) and the kernel's reach after it.
constexpr int kTile = 16;
// Plane grids held at once when Options::max_grid_bytes is 0.
constexpr std::size_t kDefaultGridBytes = std::size_t{1} << 30;

// Calls f(std::integral_constant<int, W>{}) for the kernel support W in [kMinSupport,
// kMaxSupport]: the drivers are templates on W (the kernel's lanes are compile-time sized).
template <typename F>
void with_support(int support, F&& f) {
  switch (support) {
    case 4:
      f(std::integral_constant<int, 4>{});
      break;
    case 5:
      f(std::integral_constant<int, 5>{});
      break;
    case 6:
      f(std::integral_constant<int, 6>{});
      break;
    case 7:
      f(std::integral_constant<int, 7>{});
      break;
    case 8:
      f(std::integral_constant<int, 8>{});
      break;
    case 9:
      f(std::integral_constant<int, 9>{});
      break;
    case 10:
      f(std::integral_constant<int, 10>{});
      break;
    case 11:
      f(std::integral_constant<int, 11>{});
      break;
    case 12:
      f(std::integral_constant<int, 12>{});
      break;
    case 13:
      f(std::integral_constant<int, 13>{});
      break;
    case 14:
      f(std::integral_constant<int, 14>{});
      break;
    case 15:
      f(std::integral_constant<int, 15>{});
      break;
    case 16:
      f(std::integral_constant<int, 16>{});
      break;
    default:
      throw std::logic_error("gridder: unsupported kernel support " + std::to_string(support));
  }
}
static_assert(kMinSupport == 4 && kMaxSupport == 16, "with_support covers supports 4 to 16");

struct Phasors;

// Work arrays a session lends its calls: their pages stay mapped from call to call (first
// touches of fresh memory cost more than the work done on these arrays).
struct Scratch {
  std::vector<double> acc, scaled, cur_grid, cur_model;  // cur_model: also the PSF's planes
  std::vector<double> acc_psf;
};

struct Plan {
  Options opt;
  EsKernel kernel;
  Info info;
  std::size_t nu = 0, nv = 0, ntu = 0, ntv = 0, hx = 0, hy = 0;
  double w0 = 0, dw = 1;
  bool wgrid = false;
  double ufac = 0, vfac = 0;  // cells per (metre * Hz): g_u = ufac * u * f
  double nm1max = 0;          // max |n - 1| over the image
  int nw = 1;                 // w planes one visibility touches (the support, 1 without w-gridding)
  std::size_t nbuckets = 1;   // possible first planes: nplanes - nw + 1
  // Plane grids held at once. >= nw: a ring, each visibility is visited once and adds to all
  // its planes; < nw: planes in groups of `slots`, a visibility visited once per group it reaches.
  std::size_t slots = 1;
  // The grid correction (correction(p, 1)) and the first plane's phasors, when a session has
  // them already (the same for all its calls); computed per call when null.
  std::shared_ptr<const std::vector<double>> corr;
  std::shared_ptr<const Phasors> phasors;
  Scratch* scratch = nullptr;  // a session's, held for the call
};

void check_options(const Options& o);
// value_bytes: sizeof(T) of the grids, for the memory budget.
Plan make_plan(const Options& o, double wmin, double wmax, std::size_t nvis,
               std::size_t value_bytes);

inline double nm1_of(double l, double m) {
  const double r2 = l * l + m * m;
  return -r2 / (1 + std::sqrt(1 - r2));
}

inline std::size_t quad_index(std::size_t i, std::size_t n) {
  const std::size_t h = n / 2;
  return i >= h ? i - h : h - i;
}

// A run of channels of one row with the same first w plane and uv tile.
struct Item {
  std::uint32_t row, ch0, ch1, tile;
};

// Items by first w plane (each list sorted by tile), and the grid columns any of them reaches.
struct Buckets {
  std::vector<std::vector<Item>> lists;
  std::vector<char> ucols;  // nu flags
};

// exp(-2 pi i w (n - 1)) for the pixels of one quadrant (|x'|, |y'|), advanced plane by plane.
struct Phasors {
  std::vector<double> cur, step;  // interleaved complex, hy x hx
  Phasors() = default;
  explicit Phasors(const Plan& p);
  void advance(unsigned threads);
};
// cur *= step, element by element (the next plane's phasors).
void advance_phasors(std::vector<double>& cur, const std::vector<double>& step, unsigned threads);

// 1 / (psi_u psi_v psi_w) per quadrant pixel (|x'|, |y'|), times `scale`.
std::vector<double> correction(const Plan& p, double scale);

void zero(void* data, std::size_t bytes, unsigned threads);

// Memory for the plane grids (hundreds of MB, touched first by zero()): on Linux 2 MiB-aligned
// with transparent huge pages requested, which makes the first touch much cheaper.
class PlaneMemory {
 public:
  explicit PlaneMemory(std::size_t bytes);
  ~PlaneMemory();
  PlaneMemory(const PlaneMemory&) = delete;
  PlaneMemory& operator=(const PlaneMemory&) = delete;
  void* data() const { return p_; }

 private:
  void* p_ = nullptr;
};

// 2-D FFTs of one plane that skip what the gridder does not need: forward (gridding) transforms
// only the columns with data and then only the image's rows; inverse (degridding, unscaled,
// exp(+)) transforms only the image's rows and then only the columns visibilities reach.
template <typename T>
class PlaneFft {
 public:
  PlaneFft(const Plan& p, const std::vector<char>& ucols);
  ~PlaneFft();
  PlaneFft(const PlaneFft&) = delete;
  PlaneFft& operator=(const PlaneFft&) = delete;
  void forward(T* grid, unsigned threads) const;
  void inverse(T* grid, unsigned threads) const;

 private:
  struct Impl;
  Impl* impl_;
};

extern template class PlaneFft<float>;
extern template class PlaneFft<double>;

// The grid and degrid drivers, per precision (dispatching on the support). grids: room for
// p.slots planes of 2 nu nv values, any content (the drivers clear what they use).
template <typename T>
void grid_planes(const Plan& p, const Layout& d, const Buckets& b, const T* vis, T* dirty,
                 T* grids);
template <typename T>
void degrid_planes(const Plan& p, const Layout& d, const Buckets& b, const T* image, T* vis,
                   T* grids);
// The dirty image and the PSF in one pass (grid.cc); psf_grids: the same room again.
template <typename T>
void grid_psf_planes(const Plan& p, const Layout& d, const Buckets& b, const T* vis, T* dirty,
                     T* psf, T* grids, T* psf_grids);
// The fused major cycle (residual.cc); needs p.slots >= p.nw. model_grids: the same room again.
template <typename T>
void residual_planes(const Plan& p, const Layout& d, const Buckets& b, const T* image, T* vis,
                     T* dirty, T* model_grids, T* grids);

}  // namespace dsa110::gridder
