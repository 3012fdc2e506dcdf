// StefCal on per-baseline sufficient statistics. Within a solution cell the gains are constant,
// so sum_samples w |V - g_i conj(g_j) M|^2 = sum_ij [Q_ij - 2 Re(conj(g_i) g_j S_ij) +
// |g_i|^2 |g_j|^2 P_ij] with S = sum w V conj(M), P = sum w |M|^2, Q = sum w |V|^2: one pass
// over the data builds S, P, Q per baseline and cell, and the iterations only touch those
// (O(nant^2) per iteration instead of O(samples)). The update minimising over g_i with the
// others fixed is g_i = sum_j S_ij g_j / sum_j P_ij |g_j|^2 (S_ji = conj(S_ij)); every second
// iteration averages with the previous one, which makes the alternating scheme converge
// (Salvini & Wijnholds 2014).
#include "calib/solve.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/complex.h"
#include "common/parallel.h"

namespace dsa110::calib {

namespace {

using C = Cx<double>;

inline double norm2(C a) { return a.r * a.r + a.i * a.i; }

std::size_t groups_of(std::size_t nchan, std::size_t chan_group) {
  return (nchan + chan_group - 1) / chan_group;
}

// Cross-correlation baselines present in the block, compacted, and each row's baseline.
struct Baselines {
  std::vector<std::int32_t> a, b;     // per compact baseline, a < b
  std::vector<std::int32_t> of_row;   // compact index, -1 for autocorrelations
  std::vector<std::uint8_t> swapped;  // row stored as (b, a): conjugate it
};

Baselines index_baselines(const VisView& v) {
  Baselines bl;
  bl.of_row.assign(v.rows, -1);
  bl.swapped.assign(v.rows, 0);
  std::vector<std::int32_t> pair(v.nant * v.nant, -1);
  for (std::size_t r = 0; r < v.rows; ++r) {
    const std::int32_t a1 = v.ant1[r], a2 = v.ant2[r];
    if (a1 < 0 || a2 < 0 || static_cast<std::size_t>(a1) >= v.nant ||
        static_cast<std::size_t>(a2) >= v.nant)
      throw std::invalid_argument("row " + std::to_string(r) + " has antennas (" +
                                  std::to_string(a1) + ", " + std::to_string(a2) +
                                  ") outside [0, nant = " + std::to_string(v.nant) + ")");
    if (a1 == a2) continue;
    const std::int32_t lo = std::min(a1, a2), hi = std::max(a1, a2);
    std::int32_t& k = pair[static_cast<std::size_t>(lo) * v.nant + static_cast<std::size_t>(hi)];
    if (k < 0) {
      k = static_cast<std::int32_t>(bl.a.size());
      bl.a.push_back(lo);
      bl.b.push_back(hi);
    }
    bl.of_row[r] = k;
    bl.swapped[r] = a1 > a2 ? 1 : 0;
  }
  return bl;
}

// Rows of each time slot (counting sort), rows with slot < 0 left out.
std::vector<std::vector<std::size_t>> rows_by_slot(const VisView& v, const CellLayout& cells) {
  std::vector<std::vector<std::size_t>> out(cells.nslot);
  for (std::size_t r = 0; r < v.rows; ++r) {
    const std::int32_t s = cells.row_slot ? cells.row_slot[r] : 0;
    if (s < 0) continue;
    if (static_cast<std::size_t>(s) >= cells.nslot)
      throw std::invalid_argument("row " + std::to_string(r) + " has solution slot " +
                                  std::to_string(s) +
                                  " outside [0, nslot = " + std::to_string(cells.nslot) + ")");
    out[static_cast<std::size_t>(s)].push_back(r);
  }
  return out;
}

constexpr std::size_t kStat = 5;  // S.re, S.im, P, Q, N

// Adds the statistics of channel groups [g0, g1) of the rows given whose baseline is in
// [k0, k1) into acc[(baseline * ncell + (g - g0) * npol + pol) * kStat] (zeroed by the caller).
void accumulate(const VisView& v, const CellLayout& cells, const Baselines& bl,
                const std::vector<std::size_t>& rows, std::size_t g0, std::size_t g1,
                std::size_t k0, std::size_t k1, std::vector<double>& acc) {
  const std::size_t npol = v.npol, nchan = v.nchan, nant = v.nant;
  const std::size_t ncell = (g1 - g0) * npol;
  const std::size_t c0 = g0 * cells.chan_group, c1 = std::min(nchan, g1 * cells.chan_group);
  for (const std::size_t r : rows) {
    const std::int32_t k = bl.of_row[r];
    if (k < 0 || static_cast<std::size_t>(k) < k0 || static_cast<std::size_t>(k) >= k1) continue;
    const bool swap = bl.swapped[r] != 0;
    const std::size_t a1 = static_cast<std::size_t>(v.ant1[r]),
                      a2 = static_cast<std::size_t>(v.ant2[r]);
    const float* flux = nullptr;
    if (!v.model) {
      const std::int32_t t = v.row_time[r];
      if (t < 0 || static_cast<std::size_t>(t) >= v.model_ntime)
        throw std::invalid_argument("row " + std::to_string(r) + " has model time index " +
                                    std::to_string(t) + " outside [0, " +
                                    std::to_string(v.model_ntime) + ")");
      flux = v.model_flux + static_cast<std::size_t>(t) * nchan;
    }
    double* base = acc.data() + static_cast<std::size_t>(k) * ncell * kStat;
    // The point model's phasor, advanced channel by channel (a complex recurrence in double:
    // ~1e-14 after a window's channels) instead of a sine and cosine per sample.
    const bool phased = !v.model && v.model_phase;
    C ph{1, 0}, step{1, 0};
    if (phased) {
      const double p0 = v.model_phase[2 * r] + static_cast<double>(c0) * v.model_phase[2 * r + 1];
      ph = {std::cos(p0), std::sin(p0)};
      step = {std::cos(v.model_phase[2 * r + 1]), std::sin(v.model_phase[2 * r + 1])};
    }
    for (std::size_t c = c0; c < c1; ++c, ph = phased ? ph * step : ph) {
      const std::size_t cell0 = (c / cells.chan_group - g0) * npol;
      const C point = C{flux ? flux[c] : 0.0, 0.0} * ph;
      for (std::size_t p = 0; p < npol; ++p) {
        const std::size_t idx = (r * nchan + c) * npol + p;
        if (v.flags[idx]) continue;
        const double w = v.weights ? static_cast<double>(v.weights[idx]) : 1.0;
        if (!(w > 0) || !std::isfinite(w)) continue;
        C vis{v.vis[2 * idx], v.vis[2 * idx + 1]};
        if (!std::isfinite(vis.r) || !std::isfinite(vis.i)) continue;
        C m = v.model ? C{v.model[2 * idx], v.model[2 * idx + 1]} : point;
        if (v.prior) {
          const std::size_t j1 = (c * nant + a1) * npol + p, j2 = (c * nant + a2) * npol + p;
          if (v.prior_flags && (v.prior_flags[j1] || v.prior_flags[j2])) continue;
          m = C{v.prior[2 * j1], v.prior[2 * j1 + 1]} *
              conj(C{v.prior[2 * j2], v.prior[2 * j2 + 1]}) * m;
        }
        if (swap) {
          vis = conj(vis);
          m = conj(m);
        }
        double* s = base + (cell0 + p) * kStat;
        s[0] += w * (vis.r * m.r + vis.i * m.i);
        s[1] += w * (vis.i * m.r - vis.r * m.i);
        s[2] += w * norm2(m);
        s[3] += w * norm2(vis);
        s[4] += 1.0;
      }
    }
  }
}

struct CellResult {
  int iterations = 0;
  std::int32_t refant = -1;
  double sigma = 0;
};

// StefCal on one cell. g, flags, snr: per antenna (nant) for this cell and pol.
CellResult solve_cell(const double* acc, std::size_t stride, const Baselines& bl, std::size_t nant,
                      const SolveOptions& opt, const double* initial, std::size_t init_stride,
                      C* g_out, std::uint8_t* flag_out, float* snr_out) {
  const std::size_t nbl = bl.a.size();
  std::vector<std::int32_t> act(nant, -1);
  std::vector<std::int32_t> ants;
  double nsamp = 0;
  for (std::size_t k = 0; k < nbl; ++k) {
    const double* s = acc + k * stride;
    if (!(s[2] > 0) || s[4] <= 0) continue;
    nsamp += s[4];
    for (const std::int32_t a : {bl.a[k], bl.b[k]}) {
      if (act[static_cast<std::size_t>(a)] < 0) {
        act[static_cast<std::size_t>(a)] = static_cast<std::int32_t>(ants.size());
        ants.push_back(a);
      }
    }
  }
  for (std::size_t a = 0; a < nant; ++a) {
    g_out[a] = {1.0, 0.0};
    flag_out[a] = 2;
    snr_out[a] = 0;
  }
  CellResult res;
  const std::size_t n = ants.size();
  if (n < 2) return res;
  std::vector<C> S(n * n, C{0, 0});
  std::vector<double> P(n * n, 0.0);
  for (std::size_t k = 0; k < nbl; ++k) {
    const double* s = acc + k * stride;
    if (!(s[2] > 0) || s[4] <= 0) continue;
    const std::size_t i = static_cast<std::size_t>(act[static_cast<std::size_t>(bl.a[k])]);
    const std::size_t j = static_cast<std::size_t>(act[static_cast<std::size_t>(bl.b[k])]);
    S[i * n + j] = {s[0], s[1]};
    S[j * n + i] = {s[0], -s[1]};
    P[i * n + j] = P[j * n + i] = s[2];
  }
  std::vector<C> g(n, C{1, 0}), gn(n);
  if (initial) {
    for (std::size_t i = 0; i < n; ++i) {
      const double* x = initial + static_cast<std::size_t>(ants[i]) * init_stride;
      const C c{x[0], x[1]};
      if (std::isfinite(c.r) && std::isfinite(c.i) && norm2(c) > 0) g[i] = c;
    }
  }
  auto unit = [](C c) {
    const double a = std::sqrt(norm2(c));
    return a > 0 ? C{c.r / a, c.i / a} : C{1, 0};
  };
  if (opt.phase_only)
    for (auto& x : g) x = unit(x);
  int it = 0;
  for (it = 1; it <= opt.max_iter; ++it) {
    for (std::size_t i = 0; i < n; ++i) {
      C num{0, 0};
      double den = 0;
      const C* Si = S.data() + i * n;
      const double* Pi = P.data() + i * n;
      for (std::size_t j = 0; j < n; ++j) {
        num = num + Si[j] * g[j];
        den += Pi[j] * norm2(g[j]);
      }
      C x = den > 0 ? C{num.r / den, num.i / den} : g[i];
      if (opt.phase_only) x = unit(x);
      gn[i] = x;
    }
    if (it % 2 == 0) {
      for (std::size_t i = 0; i < n; ++i) {
        gn[i] = (gn[i] + g[i]) * 0.5;
        if (opt.phase_only) gn[i] = unit(gn[i]);
      }
    }
    double dif = 0, tot = 0;
    for (std::size_t i = 0; i < n; ++i) {
      dif += norm2(gn[i] - g[i]);
      tot += norm2(gn[i]);
    }
    g.swap(gn);
    if (tot > 0 && std::sqrt(dif / tot) < opt.tol) break;
  }
  res.iterations = std::min(it, opt.max_iter);
  // Residual chi^2 from the statistics, and the noise of a unit-weight sample.
  double chi2 = 0;
  for (std::size_t k = 0; k < nbl; ++k) {
    const double* s = acc + k * stride;
    if (!(s[2] > 0) || s[4] <= 0) continue;
    const std::size_t i = static_cast<std::size_t>(act[static_cast<std::size_t>(bl.a[k])]);
    const std::size_t j = static_cast<std::size_t>(act[static_cast<std::size_t>(bl.b[k])]);
    const C cross = conj(g[i]) * g[j] * C{s[0], s[1]};
    chi2 += s[3] - 2 * cross.r + norm2(g[i]) * norm2(g[j]) * s[2];
  }
  const double dof = std::max(1.0, nsamp - static_cast<double>(n));
  const double s2 = std::max(chi2, 0.0) / dof;
  res.sigma = std::sqrt(s2);
  // SNR of g_i: |g_i| over the rms of its estimate, sqrt(s2 / sum_j P_ij |g_j|^2).
  std::vector<double> snr(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double d = 0;
    for (std::size_t j = 0; j < n; ++j) d += P[i * n + j] * norm2(g[j]);
    snr[i] = s2 > 0 ? std::sqrt(norm2(g[i]) * d / s2) : (d > 0 ? 1e30 : 0.0);
  }
  // Reference antenna: the first usable one of the chain, else the best-determined antenna.
  std::int32_t ref = -1;
  for (std::size_t k = 0; k < opt.nrefants && ref < 0; ++k) {
    const std::int32_t a = opt.refants[k];
    if (a < 0 || static_cast<std::size_t>(a) >= nant) continue;
    const std::int32_t i = act[static_cast<std::size_t>(a)];
    if (i >= 0 && snr[static_cast<std::size_t>(i)] >= opt.min_snr) ref = i;
  }
  if (ref < 0) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < n; ++i)
      if (snr[i] > snr[best]) best = i;
    ref = static_cast<std::int32_t>(best);
  }
  const C rot = conj(unit(g[static_cast<std::size_t>(ref)]));
  res.refant = ants[static_cast<std::size_t>(ref)];
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t a = static_cast<std::size_t>(ants[i]);
    g_out[a] = g[i] * rot;
    snr_out[a] = static_cast<float>(std::min(snr[i], 3.0e38));
    flag_out[a] = (snr[i] >= opt.min_snr && std::isfinite(g[i].r) && std::isfinite(g[i].i)) ? 0 : 1;
  }
  return res;
}

struct Plan {
  Baselines bl;
  std::vector<std::vector<std::size_t>> slot_rows;
  std::size_t ngroup, groups_per_unit, blocks, ranges;
};

Plan make_plan(const VisView& v, const CellLayout& cells) {
  if (!v.model && (!v.model_flux || !v.row_time))
    throw std::invalid_argument("no model: give model or model_flux with row_time");
  if (cells.chan_group == 0) throw std::invalid_argument("chan_group must be >= 1");
  Plan p;
  p.bl = index_baselines(v);
  p.slot_rows = rows_by_slot(v, cells);
  p.ngroup = groups_of(v.nchan, cells.chan_group);
  // Units read whole rows (a row's channels lie side by side) up to 128 cells, and split the
  // baselines into ranges: a range's rows are adjacent in each integration (MS rows are time
  // major), so a unit streams through memory, its accumulators (range x cells x 5 doubles)
  // stay small, and at least 16 units share the threads. Each (baseline, cell) sums its rows
  // in row order whatever the split, so the results do not depend on it or on the threads.
  p.groups_per_unit = std::max<std::size_t>(
      1, std::min<std::size_t>(p.ngroup, 128 / std::max<std::size_t>(1, v.npol)));
  p.blocks = (p.ngroup + p.groups_per_unit - 1) / p.groups_per_unit;
  p.ranges = std::max<std::size_t>(
      1, std::min<std::size_t>(p.bl.a.size(),
                               (16 + cells.nslot * p.blocks - 1) / (cells.nslot * p.blocks)));
  return p;
}

// The statistics of every (slot, block): acc[slot * blocks + block], laid out as accumulate's.
std::vector<std::vector<double>> accumulate_all(const VisView& v, const CellLayout& cells,
                                                const Plan& plan, unsigned threads) {
  const std::size_t units = cells.nslot * plan.blocks, nbl = plan.bl.a.size();
  std::vector<std::vector<double>> acc(units);
  for (std::size_t sb = 0; sb < units; ++sb) {
    const std::size_t g0 = (sb % plan.blocks) * plan.groups_per_unit;
    const std::size_t g1 = std::min(plan.ngroup, g0 + plan.groups_per_unit);
    acc[sb].assign(nbl * (g1 - g0) * v.npol * kStat, 0.0);
  }
  dynamic_for(units * plan.ranges, threads, [&](std::size_t u) {
    const std::size_t sb = u / plan.ranges, range = u % plan.ranges;
    const std::size_t slot = sb / plan.blocks;
    const std::size_t g0 = (sb % plan.blocks) * plan.groups_per_unit;
    const std::size_t g1 = std::min(plan.ngroup, g0 + plan.groups_per_unit);
    accumulate(v, cells, plan.bl, plan.slot_rows[slot], g0, g1, nbl * range / plan.ranges,
               nbl * (range + 1) / plan.ranges, acc[sb]);
  });
  return acc;
}

}  // namespace

void solve_jones(const VisView& v, const CellLayout& cells, const SolveOptions& opt,
                 const SolveOutput& out) {
  const Plan plan = make_plan(v, cells);
  const std::size_t nant = v.nant, npol = v.npol, ngroup = plan.ngroup;
  const std::vector<std::vector<double>> acc = accumulate_all(v, cells, plan, opt.threads);
  // Cells solve independently: one unit each.
  dynamic_for(cells.nslot * ngroup * npol, opt.threads, [&](std::size_t cell) {
    const std::size_t p = cell % npol, gr = (cell / npol) % ngroup, slot = cell / (npol * ngroup);
    const std::size_t block = gr / plan.groups_per_unit, g0 = block * plan.groups_per_unit;
    const std::size_t g1 = std::min(ngroup, g0 + plan.groups_per_unit);
    const std::size_t ncell = (g1 - g0) * npol;
    std::vector<C> g(nant);
    std::vector<std::uint8_t> fl(nant);
    std::vector<float> snr(nant);
    const double* sums = acc[slot * plan.blocks + block].data() + ((gr - g0) * npol + p) * kStat;
    const std::size_t first = 2 * (((slot * ngroup + gr) * nant) * npol + p);
    auto run = [&](const SolveOptions& o, const double* init, const SolveOutput& to) {
      const CellResult r = solve_cell(sums, ncell * kStat, plan.bl, nant, o, init, 2 * npol,
                                      g.data(), fl.data(), snr.data());
      for (std::size_t a = 0; a < nant; ++a) {
        const std::size_t k = ((slot * ngroup + gr) * nant + a) * npol + p;
        to.gains[2 * k] = g[a].r;
        to.gains[2 * k + 1] = g[a].i;
        to.flags[k] = fl[a];
        to.snr[k] = snr[a];
      }
      to.iterations[cell] = r.iterations;
      to.refant[cell] = r.refant;
      to.sigma[cell] = r.sigma;
    };
    run(opt, opt.initial ? opt.initial + first : nullptr, out);
    if (opt.then_out) {
      SolveOptions full = opt;
      full.phase_only = false;
      full.then_out = nullptr;
      run(full, out.gains + first, *opt.then_out);
    }
  });
}

void baseline_stats(const VisView& v, const CellLayout& cells, double* out, unsigned threads) {
  const Plan plan = make_plan(v, cells);
  const std::size_t nant = v.nant, npol = v.npol, ngroup = plan.ngroup;
  const std::vector<std::vector<double>> acc = accumulate_all(v, cells, plan, threads);
  dynamic_for(cells.nslot * plan.blocks, threads, [&](std::size_t unit) {
    const std::size_t slot = unit / plan.blocks;
    const std::size_t g0 = (unit % plan.blocks) * plan.groups_per_unit;
    const std::size_t g1 = std::min(ngroup, g0 + plan.groups_per_unit);
    const std::size_t ncell = (g1 - g0) * npol;
    for (std::size_t k = 0; k < plan.bl.a.size(); ++k) {
      const std::size_t pair =
          static_cast<std::size_t>(plan.bl.a[k]) * nant + static_cast<std::size_t>(plan.bl.b[k]);
      for (std::size_t gr = g0; gr < g1; ++gr) {
        for (std::size_t p = 0; p < npol; ++p) {
          const double* s = acc[unit].data() + (k * ncell + (gr - g0) * npol + p) * kStat;
          double* o = out + (((slot * ngroup + gr) * npol + p) * nant * nant + pair) * kStat;
          for (std::size_t q = 0; q < kStat; ++q) o[q] = s[q];
        }
      }
    }
  });
}

std::size_t apply_jones(float* vis, std::uint8_t* flags, float* weights, const std::int32_t* ant1,
                        const std::int32_t* ant2, std::size_t rows, std::size_t nchan,
                        std::size_t npol, std::size_t nant, const JonesTerm* terms,
                        std::size_t nterms, unsigned threads) {
  for (std::size_t t = 0; t < nterms; ++t)
    if (terms[t].chan_group == 0)
      throw std::invalid_argument("Jones term " + std::to_string(t) + ": chan_group must be >= 1");
  std::atomic<std::size_t> newly{0};
  const std::size_t nt = std::max<std::size_t>(1, std::min<std::size_t>(threads, rows));
  const std::size_t chunk = (rows + nt - 1) / nt;
  dynamic_for(nt, static_cast<unsigned>(nt), [&](std::size_t part) {
    const std::size_t r0 = part * chunk, r1 = std::min(rows, r0 + chunk);
    // Inverse of the combined Jones per antenna, channel, pol, for the current slot tuple;
    // computed per antenna on first use (rows of one time share it).
    std::vector<C> inv(nant * nchan * npol);
    std::vector<std::uint8_t> bad(nant * nchan * npol);
    std::vector<std::size_t> stamp(nant, 0);
    std::vector<std::int32_t> key(nterms, -1), rk(nterms);
    std::size_t epoch = 0;
    std::size_t count = 0;
    auto fill = [&](std::size_t a, std::size_t r) {
      for (std::size_t c = 0; c < nchan; ++c) {
        for (std::size_t p = 0; p < npol; ++p) {
          C j{1, 0};
          bool f = false;
          for (std::size_t t = 0; t < nterms; ++t) {
            const JonesTerm& T = terms[t];
            const std::size_t ng = groups_of(nchan, T.chan_group);
            const std::size_t o =
                ((static_cast<std::size_t>(rk[t]) * ng + c / T.chan_group) * nant + a) * npol + p;
            if (T.flags && T.flags[o]) f = true;
            j = j * C{T.jones[2 * o], T.jones[2 * o + 1]};
          }
          const std::size_t q = (a * nchan + c) * npol + p;
          const double n2 = norm2(j);
          if (f || !(n2 > 0) || !std::isfinite(n2)) {
            bad[q] = 1;
            inv[q] = {0, 0};
          } else {
            bad[q] = 0;
            inv[q] = {j.r / n2, -j.i / n2};
          }
        }
      }
      stamp[a] = epoch;
      (void)r;
    };
    for (std::size_t r = r0; r < r1; ++r) {
      bool same = epoch > 0;
      for (std::size_t t = 0; t < nterms; ++t) {
        const std::int32_t s = terms[t].row_slot ? terms[t].row_slot[r] : 0;
        if (s < 0 || static_cast<std::size_t>(s) >= terms[t].nslot)
          throw std::invalid_argument("Jones term " + std::to_string(t) + ": row " +
                                      std::to_string(r) + " has slot " + std::to_string(s) +
                                      " outside [0, " + std::to_string(terms[t].nslot) + ")");
        rk[t] = s;
        if (s != key[t]) same = false;
      }
      if (!same) {
        ++epoch;
        key = rk;
      }
      const std::int32_t a1s = ant1[r], a2s = ant2[r];
      if (a1s < 0 || a2s < 0 || static_cast<std::size_t>(a1s) >= nant ||
          static_cast<std::size_t>(a2s) >= nant)
        throw std::invalid_argument("row " + std::to_string(r) +
                                    " has antennas outside [0, nant = " + std::to_string(nant) +
                                    ")");
      const std::size_t a1 = static_cast<std::size_t>(a1s), a2 = static_cast<std::size_t>(a2s);
      if (stamp[a1] != epoch) fill(a1, r);
      if (stamp[a2] != epoch) fill(a2, r);
      const C* k1 = inv.data() + a1 * nchan * npol;
      const C* k2 = inv.data() + a2 * nchan * npol;
      const std::uint8_t* b1 = bad.data() + a1 * nchan * npol;
      const std::uint8_t* b2 = bad.data() + a2 * nchan * npol;
      const std::size_t base = r * nchan * npol;
      for (std::size_t q = 0; q < nchan * npol; ++q) {
        const std::size_t idx = base + q;
        if (b1[q] || b2[q]) {
          if (!flags[idx]) {
            flags[idx] = 1;
            ++count;
          }
          continue;
        }
        const C f = k1[q] * conj(k2[q]);
        const C x{vis[2 * idx], vis[2 * idx + 1]};
        const C y = x * f;
        vis[2 * idx] = static_cast<float>(y.r);
        vis[2 * idx + 1] = static_cast<float>(y.i);
        if (weights) weights[idx] = static_cast<float>(weights[idx] / norm2(f));
      }
    }
    newly.fetch_add(count);
  });
  return newly.load();
}

}  // namespace dsa110::calib
