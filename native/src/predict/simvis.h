// The simulator's fused pass: point-source sky, RFI, thermal noise, gains and bandpasses for
// every row of a group of subband files, written straight into each file's visibility layout.
// CONVENTIONS as predict.h; corrupted V_ab = J_a (V_ab + noise) conj(J_b), J = gain x bandpass.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsa110::predict {

struct SimVisInput {
  std::size_t nbl = 0, nant = 0, ntimes = 0;
  // Channels of the pass (all subbands), equally spaced; nsub subbands of nchan / nsub each.
  std::size_t nchan = 0, nsub = 0;
  const double* uvw = nullptr;         // nbl x 3 (m), the same every integration (drift scan)
  const std::int32_t* ant1 = nullptr;  // nbl, active-antenna index in [0, nant)
  const std::int32_t* ant2 = nullptr;
  const double* freqs = nullptr;  // nchan (Hz)
  const std::int32_t* src_offsets =
      nullptr;                              // ntimes + 1: sources of time t are [off[t], off[t+1])
  const double* lmn1 = nullptr;             // nsources x 3 (l, m, n - 1)
  const double* amp = nullptr;              // nsources x nchan, apparent flux (Jy)
  const double* gains = nullptr;            // ntimes x nant x 2 pols, complex
  const double* bandpass = nullptr;         // nant x 2 pols x nchan, complex
  const std::uint8_t* dead = nullptr;       // nant: 1 = no signal (noise only)
  const std::uint8_t* chan_flag = nullptr;  // nchan: 1 = flagged by the correlator (zeros)
  const double* auto_power = nullptr;       // ntimes: SEFD + total apparent flux (Jy)
  double sigma = 0;                         // rms of re and im of a cross-correlation (Jy)
  double auto_sigma_scale = 0;              // autocorrelation rms = power x this
  const double* rfi_amp = nullptr;          // ntimes x nchan (Jy) or null
  const double* rfi_phase = nullptr;        // nbl (rad) or null
  double channel_width_hz = 0;              // > 0: bandwidth smearing (per-baseline prediction)
  // Per subband: a 32-bit key of the noise stream; the stream of row (t, b) in subband j is
  // keyed by (noise_keys[j], t, b), so the noise does not depend on threads or pass grouping.
  const std::uint32_t* noise_keys = nullptr;
};

// vis: nsub x (ntimes x nbl rows) x (nchan / nsub) x 2 pols complex float32 (each subband's
// block contiguous, rows time-major); flags: the same without the complex axis. Overwritten.
// Returns true when the antenna-factorised predictor was used (uvw = uvw(ant2) - uvw(ant1)
// to 1e-6 m and no smearing), false for the per-baseline direct sum.
bool simulate_visibilities(const SimVisInput& in, float* vis, std::uint8_t* flags,
                           unsigned threads);

}  // namespace dsa110::predict
