// Internal to the gridder: how a call's work is scheduled over the planes held at once (the
// steps of buckets and plane windows) and the locks that let threads add to shared grids.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <vector>

#include "gridder/plan.h"

namespace dsa110::gridder {

// Locks the grid stripes (rows of tiles) a buffer at tile row tv touches: tv - 1, tv, tv + 1.
class StripeLocks {
 public:
  explicit StripeLocks(std::size_t n) : mu_(n) {}
  template <typename Fn>
  void with(std::size_t tv, Fn&& fn) {
    const std::size_t n = mu_.size();
    std::size_t s[3] = {(tv + n - 1) % n, tv, (tv + 1) % n};
    std::sort(s, s + 3);
    const std::size_t* end = std::unique(s, s + 3);
    for (const std::size_t* i = s; i != end; ++i) mu_[*i].lock();
    try {
      fn();
    } catch (...) {
      for (const std::size_t* i = s; i != end; ++i) mu_[*i].unlock();
      throw;
    }
    for (const std::size_t* i = s; i != end; ++i) mu_[*i].unlock();
  }

 private:
  std::vector<std::mutex> mu_;
};

inline std::size_t wrap_index(int i, std::size_t n) {
  const int m = static_cast<int>(n);
  i %= m;
  return static_cast<std::size_t>(i < 0 ? i + m : i);
}

// The work of one step: the buckets [b0, b1] in order (each sorted by tile), as one list, and
// the window of planes [lo, hi) held in the slots.
struct Step {
  std::vector<std::size_t> bucket;  // bucket index of each list
  std::vector<const std::vector<Item>*> lists;
  std::vector<std::size_t> starts;  // prefix sums of the list sizes
  std::size_t total = 0;
  std::size_t lo = 0, hi = 0;
  Step(const Buckets& bk, std::size_t b0, std::size_t b1, std::size_t lo_, std::size_t hi_)
      : lo(lo_), hi(hi_) {
    for (std::size_t b = b0; b <= b1 && b < bk.lists.size(); ++b) {
      if (bk.lists[b].empty()) continue;
      bucket.push_back(b);
      lists.push_back(&bk.lists[b]);
      starts.push_back(total);
      total += bk.lists[b].size();
    }
  }
  // Item i and the index of its list.
  const Item& at(std::size_t i, std::size_t& k) const {
    if (k >= starts.size() || i < starts[k] || i >= starts[k] + lists[k]->size())
      k = static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), i) -
                                   starts.begin()) -
          1;
    return (*lists[k])[i - starts[k]];
  }
};

// The steps of a call: with a ring (slots >= nw) one bucket per step, window [b, b + nw); with
// fewer slots, groups of `slots` planes and every bucket that reaches them.
inline std::vector<Step> make_steps(const Plan& p, const Buckets& bk) {
  std::vector<Step> steps;
  const std::size_t nw = static_cast<std::size_t>(p.nw), np = p.info.nplanes;
  if (p.slots >= nw) {
    for (std::size_t b = 0; b < p.nbuckets; ++b) steps.emplace_back(bk, b, b, b, b + nw);
  } else {
    for (std::size_t g = 0; g < np; g += p.slots) {
      const std::size_t b0 = g + 1 >= nw ? g + 1 - nw : 0;
      steps.emplace_back(bk, b0, g + p.slots - 1, g, std::min(np, g + p.slots));
    }
  }
  return steps;
}

}  // namespace dsa110::gridder
