// The conversion's per-integration kernel (src/main/engine/convert/kernel.ts has the JS twin and
// the conventions): correlator rows -> MS rows rephased by a per-row phasor recurrence, with
// flags, WEIGHT_SPECTRUM, WEIGHT and SIGMA. Arithmetic mirrors the JS kernel operation for
// operation (float64, no fused multiply-add), so both write the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsa110::convert {

struct RowsIn {
  const float* vis;           // file rows x nchan x npol complex (re, im)
  const std::uint8_t* flags;  // file rows x nchan x npol
  const float* nsamples;      // file rows x nchan x npol
  std::size_t rowOffset;      // first file row of the integration
  const std::int32_t* perm;   // per MS baseline: row inside the integration
  const std::uint8_t* conj;   // per MS baseline: 1 = conjugate
  const std::uint8_t* autos;  // per MS baseline: 1 = autocorrelation (flagged)
  const double*
      phasors;  // per MS baseline: cos, sin of the first channel's phase; cos, sin of its step
  const double* weightScale;  // per MS channel: 2 |dnu| dt
  bool reverse;               // MS channel k is file channel nchan-1-k
  std::size_t nbl, nchan, npol;
};

struct RowsOut {
  float* data;            // nbl x nchan x npol complex
  std::uint8_t* flag;     // nbl x nchan x npol
  float* weightSpectrum;  // nbl x nchan x npol
  float* weight;          // nbl x npol
  float* sigma;           // nbl x npol
  std::uint8_t* flagRow;  // nbl
};

// Fills out for nbl rows; returns the number of flagged values.
std::size_t convert_rows(const RowsIn& in, const RowsOut& out);

}  // namespace dsa110::convert
