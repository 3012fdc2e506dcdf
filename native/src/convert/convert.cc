// See convert.h. No fused multiply-add anywhere in this file: results must equal the JS kernel's.
#pragma GCC optimize("fp-contract=off")
#include "convert/convert.h"

#include <cmath>

namespace dsa110::convert {

std::size_t convert_rows(const RowsIn& in, const RowsOut& out) {
  const std::size_t nchan = in.nchan, npol = in.npol, per = nchan * npol;
  std::size_t flagged = 0;
  double wsum[4];
  for (std::size_t b = 0; b < in.nbl; ++b) {
    const std::size_t src = (in.rowOffset + static_cast<std::size_t>(in.perm[b])) * per;
    const double sgn = in.conj[b] ? -1.0 : 1.0;
    const bool isAuto = in.autos[b] == 1;
    double cr = in.phasors[4 * b], ci = in.phasors[4 * b + 1];
    const double sr = in.phasors[4 * b + 2], si = in.phasors[4 * b + 3];
    const std::size_t dst = b * per;
    std::size_t nflag = 0;
    for (std::size_t p = 0; p < npol; ++p) wsum[p] = 0.0;
    for (std::size_t k = 0; k < nchan; ++k) {
      const std::size_t c = in.reverse ? nchan - 1 - k : k;
      const double scale = in.weightScale[k];
      for (std::size_t p = 0; p < npol; ++p) {
        const std::size_t s = src + c * npol + p;
        const std::size_t d = dst + k * npol + p;
        const double re = in.vis[2 * s];
        const double im = sgn * static_cast<double>(in.vis[2 * s + 1]);
        const double a = re * cr;
        const double bb = im * ci;
        const double e = re * ci;
        const double f = im * cr;
        out.data[2 * d] = static_cast<float>(a - bb);
        out.data[2 * d + 1] = static_cast<float>(e + f);
        const double ns = in.nsamples[s];
        const double w = ns > 0 ? scale * ns : 0.0;
        out.weightSpectrum[d] = static_cast<float>(w);
        wsum[p] += w;
        const std::uint8_t fl = (isAuto || in.flags[s] != 0 || !(ns > 0)) ? 1 : 0;
        out.flag[d] = fl;
        nflag += fl;
      }
      const double t1 = cr * sr;
      const double t2 = ci * si;
      const double u1 = cr * si;
      const double u2 = ci * sr;
      cr = t1 - t2;
      ci = u1 + u2;
    }
    for (std::size_t p = 0; p < npol; ++p) {
      const double w = wsum[p];
      out.weight[b * npol + p] = static_cast<float>(w);
      out.sigma[b * npol + p] = w > 0 ? static_cast<float>(1.0 / std::sqrt(w)) : 0.0f;
    }
    out.flagRow[b] = nflag == per ? 1 : 0;
    flagged += nflag;
  }
  return flagged;
}

}  // namespace dsa110::convert
