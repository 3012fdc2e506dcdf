// Point-source visibility prediction (direct Fourier sum), the model behind the simulator and
// the calibration solvers. CONVENTION: V(b, nu) += A_s(nu) exp(+2 pi i nu tau_bs), with
// tau_bs = (u l + v m + w (n - 1)) / c, uvw in metres with uvw = uvw(ant2) - uvw(ant1).
#pragma once

#include <cstddef>

namespace dsa110::predict {

struct PointSources {
  std::size_t count;
  // count x 3: l, m, n - 1 (n - 1 kept separately so it stays accurate near the centre).
  const double* lmn1;
  // count x nchan: apparent flux (Jy) of each source in each channel.
  const double* amp;
};

// Adds the sum over sources to `out` (nbl x nchan complex, interleaved re/im, double).
// `channel_width_hz` > 0 multiplies each term by sinc(pi dnu tau) (channel-width smearing);
// 0 disables it. Equally spaced channels use a phasor recurrence; others a sincos per channel.
void predict_points(const double* uvw, std::size_t nbl, const double* freqs, std::size_t nchan,
                    const PointSources& sources, double channel_width_hz, double* out,
                    unsigned threads);

}  // namespace dsa110::predict
