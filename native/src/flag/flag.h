// Flagging kernels: basic (autocorrelations, zeros, non-finite values) and RFI (SumThreshold,
// Offringa et al. 2010, on the amplitude after removing a smooth time-frequency surface, with
// the scale-invariant rank dilation of Offringa et al. 2012).
// Data: interleaved complex64 [row][chan][pol]; flags uint8 [row][chan][pol], nonzero = flagged.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsa110::flag {

// Newly flagged samples per reason.
struct BasicCounts {
  std::size_t autocorrelation = 0;
  std::size_t zero = 0;
  std::size_t nonfinite = 0;
};

// Flags every sample of autocorrelation rows (ant1 == ant2) when `autos`, and samples whose
// value is exactly 0 + 0i or not finite.
BasicCounts flag_basic(const float* vis, std::uint8_t* flags, const std::int32_t* ant1,
                       const std::int32_t* ant2, std::size_t rows, std::size_t nchan,
                       std::size_t npol, bool autos, unsigned threads);

struct RfiOptions {
  // Detection threshold (robust sigmas) for a single sample in the last pass; a window of M
  // samples uses threshold / rho^log2(M).
  double threshold = 6.0;
  double rho = 1.5;
  std::size_t max_window = 32;
  // Passes with thresholds threshold * 2^(passes-1-k): strong RFI first, so the surface and
  // the noise are re-estimated without it.
  int passes = 3;
  // Half-widths of the smoothing box (applied twice: a triangle) in integrations and channels.
  std::size_t half_time = 2;
  std::size_t half_chan = 6;
  // Scale-invariant rank dilation; 0 disables it.
  double sir_eta = 0.2;
  // Flag every pol where any pol is flagged by the detector.
  bool combine_pols = true;
  unsigned threads = 1;
};

// Runs the detector on each baseline's time x channel plane per pol. `grid` holds, per
// baseline (nbl) and time (ntime), the row of that sample or -1 when missing; rows must be
// < `rows`. Only samples not yet flagged are flagged; returns how many were newly flagged.
std::size_t flag_rfi(const float* vis, std::uint8_t* flags, std::size_t rows,
                     const std::int32_t* grid, std::size_t nbl, std::size_t ntime,
                     std::size_t nchan, std::size_t npol, const RfiOptions& opt);

}  // namespace dsa110::flag
