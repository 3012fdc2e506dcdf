// Reprojection of a SIN-projected image onto another SIN grid (the mosaic grid): exact celestial
// math in double precision per output pixel, then bilinear or Lanczos-3 interpolation, NaN-aware.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsa110::reproject {

// A FITS SIN (orthographic) celestial WCS without PV terms, as src/shared/model/sky-image.ts
// declares it: pixel p (1-based, FITS) -> intermediate (x, y) = CD (p - crpix) (degrees), which
// are the direction cosines (times 180/pi) about the reference point (crval1, crval2) along axes
// turned from (east, north) by LONPOLE - 180. Arrays here are 0-based: index i = p - 1. The
// TypeScript reference of the same mapping is src/shared/astro/sin.ts.
struct SinWcs {
  double crval1 = 0, crval2 = 0;  // reference RA, Dec (deg)
  double crpix1 = 1, crpix2 = 1;  // reference pixel (1-based)
  // CD1_1, CD1_2, CD2_1, CD2_2 (deg per pixel); a diagonal CD is CDELT1, CDELT2 (CDELT1 < 0 puts
  // east on the left).
  double cd[4] = {-1, 0, 0, 1};
  double lonpole = 180;  // native longitude of the celestial pole (deg)
};

// The rows [row0, row0 + nrows) of an image nx wide (x fastest), one or more planes sharing the
// grid (e.g. the restored image and its primary beam): only the rows a region needs are read.
struct InputView {
  const float* const* planes = nullptr;
  std::size_t nplanes = 0;
  std::size_t nx = 0;
  std::size_t row0 = 0;
  std::size_t nrows = 0;
  SinWcs wcs;
};

// The region [x0, x0 + nx) x [y0, y0 + ny) (0-based pixels) of an output grid with `wcs`; one
// output array of nx * ny floats per input plane.
struct OutputRegion {
  float* const* planes = nullptr;
  std::size_t x0 = 0, y0 = 0, nx = 0, ny = 0;
  SinWcs wcs;
};

enum class Interp { Bilinear, Lanczos3 };

struct Options {
  Interp interp = Interp::Lanczos3;
  unsigned threads = 1;
  // Output tiles are tile x tile pixels; threads take whole tiles.
  std::size_t tile = 256;
};

// Interpolates every input plane at each output pixel's position in the input. An output pixel
// is NaN when its direction is on the far hemisphere of the input's projection, when any input
// pixel the interpolation kernel touches lies outside the view, or when one of them is NaN.
// Returns the number of covered output pixels (those not NaN in plane 0).
std::size_t reproject(const InputView& in, const OutputRegion& out, const Options& opt);

// The input pixel (0-based) of each output pixel (0-based) xy[2k], xy[2k+1]; NaN where the
// direction is not on the input's hemisphere. The mapping the reprojection uses, for tests.
void map_pixels(const SinWcs& in, const SinWcs& out, const double* xy, std::size_t n,
                double* result);

}  // namespace dsa110::reproject
