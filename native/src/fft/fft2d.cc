// 2-D FFT driver: rows, then columns gathered in blocks of adjacent columns so every memory
// access of the column pass touches whole cache lines; plans come from a thread-safe cache.
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

// Columns per block: 256 bytes per row of the block, four 64-byte cache lines.
template <typename T>
constexpr std::size_t kColumnBlock = 256 / sizeof(Cx<T>);

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

  if (nx > 1 || scale_rows) {
    parallel_for(ny, threads, [&](std::size_t begin, std::size_t end) {
      std::vector<Cx<T>> scratch(px->scratch_size());
      for (std::size_t y = begin; y < end; ++y) {
        Cx<T>* row = data + y * nx;
        px->exec(row, forward, scratch.data());
        if (scale_rows)
          for (std::size_t x = 0; x < nx; ++x) row[x] = row[x] * scale;
      }
    });
  }

  if (ny > 1) {
    constexpr std::size_t B = kColumnBlock<T>;
    const std::size_t nblocks = (nx + B - 1) / B;
    parallel_for(nblocks, threads, [&](std::size_t begin, std::size_t end) {
      std::vector<Cx<T>> buf(B * ny), scratch(py->scratch_size());
      for (std::size_t b = begin; b < end; ++b) {
        const std::size_t x0 = b * B;
        const std::size_t w = std::min(B, nx - x0);
        for (std::size_t y = 0; y < ny; ++y) {
          const Cx<T>* src = data + y * nx + x0;
          for (std::size_t c = 0; c < w; ++c) buf[c * ny + y] = src[c];
        }
        for (std::size_t c = 0; c < w; ++c) py->exec(buf.data() + c * ny, forward, scratch.data());
        for (std::size_t y = 0; y < ny; ++y) {
          Cx<T>* dst = data + y * nx + x0;
          if (scale_cols) {
            for (std::size_t c = 0; c < w; ++c) dst[c] = buf[c * ny + y] * scale;
          } else {
            for (std::size_t c = 0; c < w; ++c) dst[c] = buf[c * ny + y];
          }
        }
      }
    });
  }
}

template void fft2d<float>(float*, std::size_t, std::size_t, bool, unsigned);
template void fft2d<double>(double*, std::size_t, std::size_t, bool, unsigned);

}  // namespace dsa110::fft
