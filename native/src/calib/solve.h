// Antenna-based complex gain solvers (StefCal / alternating least squares, Salvini & Wijnholds
// 2014) for diagonal Jones matrices, one polarisation at a time.
// CONVENTION (CASA's, and the simulator's): V_ij = g_i conj(g_j) M_ij for the row's antennas
// (i = ant1, j = ant2), so corrected = V_ij / (g_i conj(g_j)).
// Visibilities are interleaved complex64 [row][chan][pol]; solutions [slot][group][ant][pol].
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsa110::calib {

// The data of one block and its model. Exactly one of `model` (complex, the layout of vis) and
// `model_flux` (a point source at the phase centre: real flux per [time][chan], every pol) is set.
struct VisView {
  const float* vis = nullptr;           // rows x nchan x npol complex
  const std::uint8_t* flags = nullptr;  // rows x nchan x npol, nonzero = flagged
  const float* weights = nullptr;       // rows x nchan x npol, or null for unit weights
  const std::int32_t* ant1 = nullptr;   // rows, antenna numbers in [0, nant)
  const std::int32_t* ant2 = nullptr;
  std::size_t rows = 0, nchan = 0, npol = 0, nant = 0;
  const float* model = nullptr;            // rows x nchan x npol complex, or null
  const float* model_flux = nullptr;       // model_ntime x nchan, or null
  const std::int32_t* row_time = nullptr;  // rows, index into model_flux's time axis
  std::size_t model_ntime = 0;
  // With model_flux, or null: per row (phi0, dphi), the point source's phase at channel c is
  // phi0 + c dphi (rad): model = flux exp(i (phi0 + c dphi)), a source away from the phase
  // centre on evenly spaced channels, so the data need not be rotated to it.
  const double* model_phase = nullptr;
  // A known Jones term folded into the model (e.g. the bandpass while solving gains):
  // [chan][ant][pol] complex double; samples where either antenna's entry is flagged are skipped.
  const double* prior = nullptr;
  const std::uint8_t* prior_flags = nullptr;
};

// How samples map to solution cells: time slot per row (< 0: row not used) and channel groups
// of `chan_group` consecutive channels (the last may be shorter).
struct CellLayout {
  const std::int32_t* row_slot = nullptr;
  std::size_t nslot = 1;
  std::size_t chan_group = 1;
};

struct SolveOptions {
  bool phase_only = false;
  int max_iter = 100;
  double tol = 1e-7;
  double min_snr = 3;
  // Reference antennas in order of preference; the first unflagged one in a cell gets phase 0.
  // When none is usable, the antenna with the highest SNR is the reference.
  const std::int32_t* refants = nullptr;
  std::size_t nrefants = 0;
  // Starting point [slot][group][ant][pol] complex, or null (all 1).
  const double* initial = nullptr;
  unsigned threads = 1;
  // When set, every cell is solved a second time, for amplitude and phase, starting from the
  // first solve's solutions, into then_out: the operational phase-only then amplitude+phase
  // sequence on one pass over the data (both solves use the same sums).
  const struct SolveOutput* then_out = nullptr;
};

struct SolveOutput {
  double* gains = nullptr;             // [slot][group][ant][pol] complex
  std::uint8_t* flags = nullptr;       // [slot][group][ant][pol]: 1 low SNR, 2 no data
  float* snr = nullptr;                // [slot][group][ant][pol]
  std::int32_t* iterations = nullptr;  // [slot][group][pol]
  std::int32_t* refant = nullptr;      // [slot][group][pol], -1 when the cell has no solution
  double* sigma = nullptr;             // [slot][group][pol]: rms of a unit-weight complex residual
};

// Solves every cell; flag codes as above.
void solve_jones(const VisView& v, const CellLayout& cells, const SolveOptions& opt,
                 const SolveOutput& out);

// Accumulates, per cell and baseline (a1 < a2, conjugating rows stored the other way round),
// S = sum w V conj(M), P = sum w |M|^2, Q = sum w |V|^2 and N = unflagged samples, into
// out[((slot * ngroup + group) * npol + pol) * nant * nant + a1 * nant + a2][5] =
// (S.re, S.im, P, Q, N). Autocorrelations are skipped.
void baseline_stats(const VisView& v, const CellLayout& cells, double* out, unsigned threads);

// A Jones term to apply: values [slot][group][ant][pol] complex double, flags alike, slot per
// row (null: slot 0), groups of chan_group channels.
struct JonesTerm {
  const double* jones = nullptr;
  const std::uint8_t* flags = nullptr;
  const std::int32_t* row_slot = nullptr;
  std::size_t nslot = 1;
  std::size_t chan_group = 1;
};

// corrected = V / (J_i conj(J_j)) with J the product of the terms, in place; samples whose
// solution is flagged (or zero) are flagged. Weights (when given) are multiplied by
// |J_i J_j|^2, as CASA's applycal with calwt. Returns the number of samples newly flagged.
std::size_t apply_jones(float* vis, std::uint8_t* flags, float* weights, const std::int32_t* ant1,
                        const std::int32_t* ant2, std::size_t rows, std::size_t nchan,
                        std::size_t npol, std::size_t nant, const JonesTerm* terms,
                        std::size_t nterms, unsigned threads);

}  // namespace dsa110::calib
