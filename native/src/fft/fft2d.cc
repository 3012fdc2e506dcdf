// 2-D FFT driver: rows, then columns, each pass on blocks of lines transformed together as
// SIMD lanes, so memory is touched in whole cache lines; plans come from a thread-safe cache.
#include "fft2d.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "../common/complex.h"
#include "../common/parallel.h"
#include "plan.h"

#ifndef LANE_BYTES
#define LANE_BYTES 64
#endif

namespace dsa110::fft {
namespace {

// Plans are immutable and shared; the cache only saves rebuilding twiddles for repeated sizes.
// It is bounded: when full it is emptied (plans in use stay alive through their shared_ptr).
template <typename T>
std::shared_ptr<const Plan<T>> get_plan(std::size_t n) {
  static std::mutex mutex;
  static std::map<std::size_t, std::shared_ptr<const Plan<T>>> cache;
  constexpr std::size_t kMaxPlans = 64;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(n);
    if (it != cache.end()) return it->second;
  }
  auto plan = std::make_shared<const Plan<T>>(n);  // built outside the lock: may take a while
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= kMaxPlans) cache.clear();
  cache.emplace(n, plan);
  return plan;
}

// Lines per block: 64 bytes (one cache line) of complex values; at 1024^2 and 4096^2 complex64
// it used as little CPU time as 128 and less than 256 (SSE2 baseline, no -march).
template <typename T>
constexpr std::size_t kLanes = LANE_BYTES / sizeof(Cx<T>);

}  // namespace

template <typename T>
void fft2d(T* raw, std::size_t nx, std::size_t ny, bool inverse, unsigned threads) {
  if (nx == 0 || ny == 0) throw std::invalid_argument("fft2d: nx and ny must be >= 1");
  if (threads == 0) throw std::invalid_argument("fft2d: threads must be >= 1");
  Cx<T>* data = reinterpret_cast<Cx<T>*>(raw);
  const bool forward = !inverse;
  const T scale = T(1.0 / (double(nx) * double(ny)));
  const auto px = get_plan<T>(nx);
  const auto py = get_plan<T>(ny);
  // The 1/(nx*ny) of the inverse is folded into the last pass that runs.
  const bool scale_rows = inverse && ny == 1;
  const bool scale_cols = inverse && ny > 1;

  constexpr std::size_t B = kLanes<T>;
  using L = Lanes<T, B>;

  if (nx > 1 || scale_rows) {
    // Blocks of B rows are transposed into Lanes and transformed together (SIMD across rows);
    // leftover rows one by one.
    const std::size_t nfull = ny / B;
    parallel_for(nfull + (ny - nfull * B), threads, [&](std::size_t begin, std::size_t end) {
      std::vector<L> buf, lane_scratch;
      std::vector<Cx<T>> scratch;
      for (std::size_t item = begin; item < end; ++item) {
        if (item < nfull) {
          if (buf.empty()) {
            buf.resize(nx);
            lane_scratch.resize(px->scratch_size());
          }
          const Cx<T>* src = data + item * B * nx;
          for (std::size_t c = 0; c < B; ++c)
            for (std::size_t x = 0; x < nx; ++x) {
              buf[x].r[c] = src[c * nx + x].r;
              buf[x].i[c] = src[c * nx + x].i;
            }
          px->exec(buf.data(), forward, lane_scratch.data());
          Cx<T>* dst = data + item * B * nx;
          for (std::size_t c = 0; c < B; ++c)
            for (std::size_t x = 0; x < nx; ++x) dst[c * nx + x] = {buf[x].r[c], buf[x].i[c]};
        } else {
          if (scratch.empty()) scratch.resize(px->scratch_size());
          Cx<T>* row = data + (nfull * B + (item - nfull)) * nx;
          px->exec(row, forward, scratch.data());
          if (scale_rows)
            for (std::size_t x = 0; x < nx; ++x) row[x] = row[x] * scale;
        }
      }
    });
  }

  if (ny > 1) {
    // Full blocks of B columns are transformed together as Lanes (SIMD across columns); the
    // gather and scatter copy whole contiguous runs of each row, so no transposition.
    const std::size_t nfull = nx / B;
    const std::size_t tail = nx - nfull * B;
    // Work items: the full blocks, then each leftover column on its own.
    parallel_for(nfull + tail, threads, [&](std::size_t begin, std::size_t end) {
      std::vector<L> buf, lane_scratch;
      std::vector<Cx<T>> col, col_scratch;
      for (std::size_t item = begin; item < end; ++item) {
        if (item < nfull) {
          if (buf.empty()) {
            buf.resize(ny);
            lane_scratch.resize(py->scratch_size());
          }
          const std::size_t x0 = item * B;
          for (std::size_t y = 0; y < ny; ++y) {
            const Cx<T>* src = data + y * nx + x0;
            L& l = buf[y];
            for (std::size_t c = 0; c < B; ++c) {
              l.r[c] = src[c].r;
              l.i[c] = src[c].i;
            }
          }
          py->exec(buf.data(), forward, lane_scratch.data());
          const T s = scale_cols ? scale : T(1);
          for (std::size_t y = 0; y < ny; ++y) {
            Cx<T>* dst = data + y * nx + x0;
            const L& l = buf[y];
            for (std::size_t c = 0; c < B; ++c) dst[c] = {l.r[c] * s, l.i[c] * s};
          }
        } else {
          if (col.empty()) {
            col.resize(ny);
            col_scratch.resize(py->scratch_size());
          }
          const std::size_t x = nfull * B + (item - nfull);
          for (std::size_t y = 0; y < ny; ++y) col[y] = data[y * nx + x];
          py->exec(col.data(), forward, col_scratch.data());
          for (std::size_t y = 0; y < ny; ++y)
            data[y * nx + x] = scale_cols ? col[y] * scale : col[y];
        }
      }
    });
  }
}

template void fft2d<float>(float*, std::size_t, std::size_t, bool, unsigned);
template void fft2d<double>(double*, std::size_t, std::size_t, bool, unsigned);

}  // namespace dsa110::fft
