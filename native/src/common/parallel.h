// Parallel loops on std::thread shared by the kernels (static chunks, or units pulled from a
// counter). An exception thrown on any thread is re-thrown on the caller's thread, so it reaches JS
// instead of std::terminate.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace dsa110 {

// Calls fn(begin, end) on up to `threads` contiguous chunks of [0, count); the calling thread
// takes the first chunk. Blocks until all chunks are done.
template <typename Fn>
void parallel_for(std::size_t count, unsigned threads, Fn&& fn) {
  if (count == 0) return;
  std::size_t nt = threads < 1 ? 1 : threads;
  if (nt > count) nt = count;
  if (nt == 1) {
    fn(std::size_t{0}, count);
    return;
  }
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto guarded = [&](std::size_t b, std::size_t e) {
    try {
      fn(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  auto chunk_begin = [&](std::size_t t) { return count * t / nt; };
  std::vector<std::thread> pool;
  pool.reserve(nt - 1);
  try {
    for (std::size_t t = 1; t < nt; ++t)
      pool.emplace_back(guarded, chunk_begin(t), chunk_begin(t + 1));
  } catch (...) {
    // Could not start a thread: run the remaining chunks here rather than failing.
    for (std::size_t t = pool.size() + 1; t < nt; ++t) guarded(chunk_begin(t), chunk_begin(t + 1));
  }
  guarded(chunk_begin(0), chunk_begin(1));
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

// Calls fn(unit) for unit in [0, count) on up to `threads` threads pulling units from a shared
// counter, for units of uneven cost or a loaded machine (a delayed thread does not hold the
// others up). The first exception stops the handing out of units and is re-thrown here.
template <typename Fn>
void dynamic_for(std::size_t count, unsigned threads, Fn&& fn) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex m;
  auto work = [&]() {
    try {
      for (std::size_t u = next.fetch_add(1); u < count; u = next.fetch_add(1)) fn(u);
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      if (!failure) failure = std::current_exception();
      next.store(count);
    }
  };
  const std::size_t nt = std::max<std::size_t>(1, std::min<std::size_t>(threads, count));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < nt; ++t) {
    try {
      pool.emplace_back(work);
    } catch (...) {
      break;  // run with the threads we have
    }
  }
  work();
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace dsa110
