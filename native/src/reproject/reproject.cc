// Reprojection kernel (see reproject.h). Output pixel -> direction cosines (l, m, n) of the
// output SIN projection -> unit vector -> (l', m', n') in the input's frame by two dot products
// -> input pixel. No trigonometry per pixel: both frames' basis vectors are computed once.
#include "reproject/reproject.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/parallel.h"

namespace dsa110::reproject {
namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;
constexpr double kPi = 3.14159265358979323846;

// Orthonormal basis of a SIN projection about (ra0, dec0): e_l along the intermediate x axis,
// e_m along y, e_n toward the reference point; a direction is l e_l + m e_m + n e_n. For LONPOLE
// 180 e_l points east (increasing RA) and e_m north; another LONPOLE turns (e_l, e_m) about e_n
// by alpha = LONPOLE - 180: (x, y) = R(alpha) (east, north).
struct Frame {
  double el[3], em[3], en[3];
  explicit Frame(const SinWcs& w) {
    const double a = w.crval1 * kDeg, d = w.crval2 * kDeg;
    const double sa = std::sin(a), ca = std::cos(a), sd = std::sin(d), cd = std::cos(d);
    el[0] = -sa, el[1] = ca, el[2] = 0;
    em[0] = -sd * ca, em[1] = -sd * sa, em[2] = cd;
    en[0] = cd * ca, en[1] = cd * sa, en[2] = sd;
    if (w.lonpole != 180) {
      const double al = (w.lonpole - 180) * kDeg, c = std::cos(al), s = std::sin(al);
      double x[3], y[3];
      for (int k = 0; k < 3; ++k) {
        x[k] = c * el[k] - s * em[k];
        y[k] = s * el[k] + c * em[k];
      }
      for (int k = 0; k < 3; ++k) el[k] = x[k], em[k] = y[k];
    }
  }
};

void check_wcs(const SinWcs& w, const char* which) {
  const double v[] = {w.crval1, w.crval2, w.crpix1, w.crpix2, w.cd[0],
                      w.cd[1],  w.cd[2],  w.cd[3],  w.lonpole};
  for (double x : v)
    if (!std::isfinite(x))
      throw std::invalid_argument(std::string(which) + " WCS has a non-finite value");
  if (w.cd[0] * w.cd[3] - w.cd[1] * w.cd[2] == 0)
    throw std::invalid_argument(std::string(which) + " WCS has a singular CD matrix");
  if (std::abs(w.crval2) > 90)
    throw std::invalid_argument(std::string(which) + " WCS crval2 (Dec) is outside [-90, 90] deg");
}

bool diagonal(const SinWcs& w) { return w.cd[1] == 0 && w.cd[2] == 0; }

// The mapping output pixel -> input pixel, with the per-frame constants folded in.
struct Mapper {
  Frame fo, fi;
  // Input rows of the rotation: l' = r_l . (l, m, n), m' = r_m . (l, m, n), n' = r_n . (l, m, n).
  double rl[3], rm[3], rn[3];
  SinWcs wo, wi;
  bool out_diagonal, in_diagonal;
  double in_det;
  Mapper(const SinWcs& in, const SinWcs& out)
      : fo(out),
        fi(in),
        wo(out),
        wi(in),
        out_diagonal(diagonal(out)),
        in_diagonal(diagonal(in)),
        in_det(in.cd[0] * in.cd[3] - in.cd[1] * in.cd[2]) {
    auto dot = [](const double* a, const double* b) {
      return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    };
    const double* ob[3] = {fo.el, fo.em, fo.en};
    for (int k = 0; k < 3; ++k) {
      rl[k] = dot(fi.el, ob[k]);
      rm[k] = dot(fi.em, ob[k]);
      rn[k] = dot(fi.en, ob[k]);
    }
  }
  // 0-based output pixel -> 0-based input pixel; false when not on the input's hemisphere.
  // A diagonal CD (CDELT-only header) is applied as two products, exactly as before CD existed.
  bool map(double x, double y, double& px, double& py) const {
    const double dx = x + 1 - wo.crpix1, dy = y + 1 - wo.crpix2;
    const double l = (out_diagonal ? wo.cd[0] * dx : wo.cd[0] * dx + wo.cd[1] * dy) * kDeg;
    const double m = (out_diagonal ? wo.cd[3] * dy : wo.cd[2] * dx + wo.cd[3] * dy) * kDeg;
    const double r2 = l * l + m * m;
    if (r2 > 1) return false;
    const double n = std::sqrt(1 - r2);
    const double li = rl[0] * l + rl[1] * m + rl[2] * n;
    const double mi = rm[0] * l + rm[1] * m + rm[2] * n;
    const double ni = rn[0] * l + rn[1] * m + rn[2] * n;
    if (ni <= 0) return false;
    if (in_diagonal) {
      px = li / kDeg / wi.cd[0] + wi.crpix1 - 1;
      py = mi / kDeg / wi.cd[3] + wi.crpix2 - 1;
    } else {
      const double u = li / kDeg, v = mi / kDeg;
      px = (wi.cd[3] * u - wi.cd[1] * v) / in_det + wi.crpix1 - 1;
      py = (-wi.cd[2] * u + wi.cd[0] * v) / in_det + wi.crpix2 - 1;
    }
    return true;
  }
};

// Lanczos-3 weights for taps t = -2..3 at offset d in [0, 1) from tap 0 (positions d - t),
// computed exactly (sin(pi (d - t)) = (-1)^t sin(pi d), sin(pi (d - t) / 3) by the angle-
// difference formula) and normalised to sum 1, so a constant stays constant.
void lanczos3_exact(double d, double w[6]) {
  // On a tap (d = 0, or d = 1 for the table's last row) the weights are 1 there, 0 elsewhere.
  if (d < 1e-12 || d > 1 - 1e-12) {
    for (int k = 0; k < 6; ++k) w[k] = k == (d < 0.5 ? 2 : 3) ? 1 : 0;
    return;
  }
  const double s = std::sin(kPi * d), a = kPi * d / 3, sa = std::sin(a), ca = std::cos(a);
  double sum = 0;
  for (int k = 0; k < 6; ++k) {
    const int t = k - 2;
    const double x = d - t;
    const double sx = (t & 1) ? -s : s;                                          // sin(pi x)
    const double sx3 = sa * std::cos(t * kPi / 3) - ca * std::sin(t * kPi / 3);  // sin(pi x / 3)
    w[k] = 3 * sx * sx3 / (kPi * kPi * x * x);
    sum += w[k];
  }
  for (int k = 0; k < 6; ++k) w[k] /= sum;
}

// The weights tabulated at kLutSteps + 1 offsets and interpolated linearly: the weights'
// second derivative is below ~10, so the error is < 10 / (8 kLutSteps^2) ~ 1e-7, far below
// float32 image precision, and no trigonometry is left per pixel.
constexpr int kLutSteps = 4096;

const std::vector<double>& lanczos3_table() {
  static const std::vector<double> table = [] {
    std::vector<double> t(static_cast<std::size_t>(kLutSteps + 1) * 6);
    for (int i = 0; i <= kLutSteps; ++i)
      lanczos3_exact(static_cast<double>(i) / kLutSteps, &t[static_cast<std::size_t>(i) * 6]);
    return t;
  }();
  return table;
}

inline void lanczos3(const double* table, double d, double w[6]) {
  const double u = d * kLutSteps;
  int i = static_cast<int>(u);
  if (i >= kLutSteps) i = kLutSteps - 1;
  const double f = u - i;
  const double* a = table + static_cast<std::size_t>(i) * 6;
  double sum = 0;
  for (int k = 0; k < 6; ++k) {
    w[k] = a[k] + f * (a[k + 6] - a[k]);
    sum += w[k];
  }
  const double inv = 1 / sum;
  for (int k = 0; k < 6; ++k) w[k] *= inv;
}

void run_tile(const InputView& in, const OutputRegion& out, const Options& opt, const Mapper& mp,
              std::size_t tx0, std::size_t ty0, std::size_t tw, std::size_t th,
              std::size_t& covered) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const long nxi = static_cast<long>(in.nx);
  const long r0 = static_cast<long>(in.row0), r1 = static_cast<long>(in.row0 + in.nrows);
  const bool lz = opt.interp == Interp::Lanczos3;
  const double* table = lanczos3_table().data();
  const long lo = lz ? 2 : 0, hi = lz ? 3 : 1;  // taps below / above the floor
  for (std::size_t j = ty0; j < ty0 + th; ++j) {
    for (std::size_t i = tx0; i < tx0 + tw; ++i) {
      const std::size_t o = j * out.nx + i;
      double px, py;
      bool ok = mp.map(static_cast<double>(out.x0 + i), static_cast<double>(out.y0 + j), px, py);
      long ix = 0, iy = 0;
      double fx = 0, fy = 0;
      if (ok) {
        // A point within 1e-9 pixel of the last row/column sits on it (bilinear needs no tap
        // beyond).
        const double fpx = std::floor(px + 1e-9), fpy = std::floor(py + 1e-9);
        ix = static_cast<long>(fpx), iy = static_cast<long>(fpy);
        fx = std::max(0.0, px - fpx), fy = std::max(0.0, py - fpy);
        const long hx = fx > 1e-9 ? hi : (lz ? hi : 0), hy = fy > 1e-9 ? hi : (lz ? hi : 0);
        ok = std::isfinite(px) && std::isfinite(py) && ix - lo >= 0 && ix + hx < nxi &&
             iy - lo >= r0 && iy + hy < r1;
      }
      if (!ok) {
        for (std::size_t p = 0; p < in.nplanes; ++p) out.planes[p][o] = static_cast<float>(nan);
        continue;
      }
      if (lz) {
        double wx[6], wy[6];
        lanczos3(table, fx, wx);
        lanczos3(table, fy, wy);
        for (std::size_t p = 0; p < in.nplanes; ++p) {
          const float* base = in.planes[p] + static_cast<std::size_t>(iy - 2 - r0) * in.nx +
                              static_cast<std::size_t>(ix - 2);
          double acc = 0;
          for (int b = 0; b < 6; ++b) {
            const float* row = base + static_cast<std::size_t>(b) * in.nx;
            double racc = 0;
            for (int a = 0; a < 6; ++a) racc += wx[a] * static_cast<double>(row[a]);
            acc += wy[b] * racc;
          }
          // A NaN anywhere under the kernel propagates through the sums: no coverage.
          out.planes[p][o] = static_cast<float>(acc);
        }
      } else {
        const bool ex = fx > 1e-9, ey = fy > 1e-9;
        for (std::size_t p = 0; p < in.nplanes; ++p) {
          const float* base = in.planes[p] + static_cast<std::size_t>(iy - r0) * in.nx +
                              static_cast<std::size_t>(ix);
          const double v00 = base[0], v10 = ex ? base[1] : 0.0, v01 = ey ? base[in.nx] : 0.0,
                       v11 = ex && ey ? base[in.nx + 1] : 0.0;
          out.planes[p][o] = static_cast<float>((1 - fy) * ((1 - fx) * v00 + fx * v10) +
                                                fy * ((1 - fx) * v01 + fx * v11));
        }
      }
      if (!std::isnan(out.planes[0][o]))
        ++covered;
      else
        for (std::size_t p = 1; p < in.nplanes; ++p) out.planes[p][o] = static_cast<float>(nan);
    }
  }
}

}  // namespace

void map_pixels(const SinWcs& in, const SinWcs& out, const double* xy, std::size_t n,
                double* result) {
  check_wcs(in, "input");
  check_wcs(out, "output");
  const Mapper mp(in, out);
  for (std::size_t k = 0; k < n; ++k) {
    double px, py;
    if (!mp.map(xy[2 * k], xy[2 * k + 1], px, py))
      px = py = std::numeric_limits<double>::quiet_NaN();
    result[2 * k] = px;
    result[2 * k + 1] = py;
  }
}

std::size_t reproject(const InputView& in, const OutputRegion& out, const Options& opt) {
  check_wcs(in.wcs, "input");
  check_wcs(out.wcs, "output");
  if (in.nplanes == 0) throw std::invalid_argument("no input planes");
  if (in.nx < 2 || in.nrows < 1)
    throw std::invalid_argument("the input view must be at least 2 pixels wide and 1 row high");
  if (opt.tile < 8) throw std::invalid_argument("tile must be >= 8 pixels");
  const Mapper mp(in.wcs, out.wcs);
  const std::size_t ntx = (out.nx + opt.tile - 1) / opt.tile,
                    nty = (out.ny + opt.tile - 1) / opt.tile;
  const std::size_t ntiles = ntx * nty;
  std::vector<std::size_t> counts(ntiles, 0);
  parallel_for(ntiles, opt.threads, [&](std::size_t b, std::size_t e) {
    for (std::size_t t = b; t < e; ++t) {
      const std::size_t tx = (t % ntx) * opt.tile, ty = (t / ntx) * opt.tile;
      run_tile(in, out, opt, mp, tx, ty, std::min(opt.tile, out.nx - tx),
               std::min(opt.tile, out.ny - ty), counts[t]);
    }
  });
  std::size_t covered = 0;
  for (std::size_t c : counts) covered += c;
  return covered;
}

}  // namespace dsa110::reproject
