// Hogbom CLEAN minor cycle (Hogbom 1974) on an "active set": the pixels that can still reach
// the stopping level. The major cycle (Cotton-Schwab, in TypeScript) recomputes the full
// residual from the visibilities afterwards, so only the active pixels are kept exact here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsa110::deconv {

struct CleanOptions {
  std::size_t nx = 0;
  std::size_t ny = 0;
  // Loop gain: each component takes gain x the peak.
  double gain = 0.1;
  // Stop when the largest |residual| (inside the mask) falls to or below this level (Jy/beam).
  double stop_level = 0;
  // At most this many components.
  std::size_t max_iter = 0;
  // Pixels with |residual| >= active_fraction x stop_level form the active set (in (0, 1]).
  double active_fraction = 0.5;
  // Allow negative components (WSClean's default); otherwise only positive peaks are cleaned.
  bool allow_negative = true;
  unsigned threads = 1;
};

struct CleanResult {
  std::size_t iterations = 0;
  // Largest |residual| in the mask before and after (at the active pixels).
  double start_peak = 0;
  double final_peak = 0;
  std::size_t active_pixels = 0;
  // 0: reached the stop level, 1: reached max_iter, 2: nothing to clean (empty mask or active set).
  int reason = 0;
};

// residual: ny x nx (x fastest), updated at the active pixels. psf: ny x nx, its peak (1) at
// (floor(nx/2), floor(ny/2)); offsets beyond its edges count as 0. mask: ny x nx, nonzero =
// may hold components, or null for everywhere. model: ny x nx, components are added to it.
CleanResult hogbom(float* residual, const float* psf, const std::uint8_t* mask, double* model,
                   const CleanOptions& opt);

}  // namespace dsa110::deconv
