// Wide-field gridder and degridder ("w-gridding", Arras et al. 2021): visibilities <-> a real
// SIN-projected image, with the ES kernel in u, v and w and the n - 1 term applied per w plane.
//
// CONVENTIONS
// - uvw in metres, uvw = uvw(ant2) - uvw(ant1); frequencies in Hz; u = uvw * f / c wavelengths.
// - Image: ny rows of nx pixels, x fastest (numpy shape (ny, nx)). Pixel (x, y) is at
//     l = -(x - nx/2) * pixel_l,   m = (y - ny/2) * pixel_m   (integer division nx/2, ny/2),
//   so l (towards east, increasing RA) grows to the LEFT and m (north) grows with y: FITS
//   CDELT1 = -pixel_l, CDELT2 = +pixel_m, CRPIX1 = nx/2 + 1, CRPIX2 = ny/2 + 1, as WSClean writes.
// - Degridding (G): vis[k] = wgt[k] * sum_{x,y} image[y,x] exp(+2 pi i (u l + v m + w (n - 1))),
//   n = sqrt(1 - l^2 - m^2). No 1/n: a pixel holds the apparent flux of a point at its centre
//   (a model/clean-component image), so a point source S gives DATA = S exp(+2 pi i ...), the
//   Measurement Set convention.
// - Gridding (G^H, the exact adjoint): dirty[y,x] = sum_k wgt[k] Re(vis[k] exp(-2 pi i (...))),
//   unnormalised; divide by the returned sum of weights for a peak equal to a point's flux.
// - Weights: wgt[k] = 0 means flagged/ignored. Without w-gridding the w term is dropped.
// - Accuracy: the result's relative L2 error against the direct sums is about `epsilon`.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsa110::gridder {

struct Options {
  std::size_t nx = 0, ny = 0;
  double pixel_l = 0, pixel_m = 0;  // pixel size in radians (direction cosines)
  double epsilon = 1e-5;            // requested relative accuracy
  double sigma = 0;                 // oversampling factor of the uv grid; 0 = automatic
  bool wgridding = true;            // apply the w term (w-gridding); false = 2-D only
  unsigned threads = 1;
  // Memory for the uv-plane grids held at once; 0 = 1 GiB. With room for a visibility's w
  // support (W planes) each visibility is visited once; with less, once per group of planes.
  std::size_t max_grid_bytes = 0;
  // Gridding: every visibility taken as 1 + 0i (the PSF from the weights alone, so no array of
  // ones the size of the data is needed); the vis argument is not read.
  bool unit_vis = false;
  // Degridding: add G(image) to vis instead of overwriting it (vis -= G(model) with a negated
  // model: residual visibilities in place, no second array of the data's size).
  bool accumulate = false;
  // Degridding: the weights only select the visibilities to predict (nonzero); the prediction
  // is not multiplied by them. With the same weights as the gridding calls, a session (below)
  // serves both directions with one plan and one bucketing.
  bool select_only = false;
  // Session id (0 = none): the call keeps its plan, visibility buckets and plane-grid memory
  // under this id, and the next call with the same id, data arrays (the same memory, freqs,
  // |w| range, visibility count and weight sum) and grid options reuses them instead of
  // scanning, bucketing and allocating (page-faulting ~1 GB) again. The caller must not change
  // uvw or the weights' zero pattern in place during a session; release_session() frees it.
  std::uint32_t session = 0;
};

// What a call did: the kernel and grid chosen and the data it saw.
struct Info {
  int support = 0;
  double beta = 0;
  double sigma = 0;
  double kernel_error = 0;  // estimated aliasing error of the kernel
  std::size_t nu = 0, nv = 0;
  std::size_t nplanes = 0;    // w planes (1 without w-gridding)
  std::size_t slots = 0;      // plane grids held at once
  double wmin = 0, wmax = 0;  // |w| range of the used visibilities (wavelengths)
  double dw = 0;              // w-plane spacing (wavelengths)
  std::size_t nvis = 0;       // visibilities with weight != 0 (those with weight 0 are skipped)
  double sum_weights = 0;     // sum of the weights of the used visibilities
};

// The data both directions share. vis: nrows x nchan complex (interleaved re, im) of T.
// weights: nrows x nchan, or nullptr for all 1 (degridding only).
struct Layout {
  const double* uvw;
  std::size_t nrows;
  const double* freqs;
  std::size_t nchan;
  const float* weights;
};

// dirty (ny x nx, overwritten) = G^H(vis). Throws std::invalid_argument on bad options.
template <typename T>
Info grid(const Layout& data, const T* vis, const Options& opt, T* dirty);

// vis (nrows x nchan complex, overwritten; 0 where the weight is 0) = G(image).
template <typename T>
Info degrid(const Layout& data, const T* image, const Options& opt, T* vis);

// dirty = G^H(weights * vis) and psf = G^H(weights) (unit visibilities) in one pass: the results
// of grid() and grid() with unit_vis, each visibility's kernels evaluated once; two plane sets.
template <typename T>
Info grid_with_psf(const Layout& data, const T* vis, const Options& opt, T* dirty, T* psf);

// A major cycle in one pass: vis (in place) += G(image) where the weight is nonzero (the weights
// select, as with select_only and accumulate), then dirty (ny x nx, overwritten) = G^H(vis):
// the results of degrid followed by grid (bit for bit on one thread), with each visibility's
// kernels evaluated once. Holds two sets of plane grids (the model's and the residual's); when
// the memory budget does not hold each visibility's W planes at once, runs degrid then grid.
template <typename T>
Info residual(const Layout& data, const T* image, const Options& opt, T* vis, T* dirty);

// The kernel and grid a call with these options and this w range would use (for planning and
// benchmarks); nvis is taken as the visibility count for the automatic oversampling choice.
Info plan(const Options& opt, double wmin, double wmax, std::size_t nvis);

// Frees what session `id` holds (once a call using it has returned); false if there was none.
// At most kMaxSessions are kept: a new one evicts the least recently used idle one.
bool release_session(std::uint32_t id);
constexpr std::size_t kMaxSessions = 4;

extern template Info grid<float>(const Layout&, const float*, const Options&, float*);
extern template Info grid<double>(const Layout&, const double*, const Options&, double*);
extern template Info degrid<float>(const Layout&, const float*, const Options&, float*);
extern template Info degrid<double>(const Layout&, const double*, const Options&, double*);
extern template Info grid_with_psf<float>(const Layout&, const float*, const Options&, float*,
                                          float*);
extern template Info grid_with_psf<double>(const Layout&, const double*, const Options&, double*,
                                           double*);
extern template Info residual<float>(const Layout&, const float*, const Options&, float*, float*);
extern template Info residual<double>(const Layout&, const double*, const Options&, double*,
                                      double*);

}  // namespace dsa110::gridder
