// Public entry of the FFT kernel: in-place complex 2-D FFT over interleaved (re, im) data.
#pragma once

#include <cstddef>

namespace dsa110::fft {

// Transforms an ny-by-nx complex array stored row-major (x fastest: element (y, x) is at
// data[2*(y*nx + x)] and data[2*(y*nx + x) + 1]), i.e. numpy.fft.fft2 of an array of shape
// (ny, nx). Forward: X[v,u] = sum x[y,x] exp(-2*pi*i*(u*x/nx + v*y/ny)), unscaled. Inverse:
// the + sign and a 1/(nx*ny) scale, so inverse(forward(x)) == x (numpy's "backward" norm).
// `threads` >= 1 std::threads run the row pass, then the column pass in cache-sized blocks.
// Throws std::invalid_argument for nx or ny of 0 or threads of 0.
template <typename T>
void fft2d(T* data, std::size_t nx, std::size_t ny, bool inverse, unsigned threads);

extern template void fft2d<float>(float*, std::size_t, std::size_t, bool, unsigned);
extern template void fft2d<double>(double*, std::size_t, std::size_t, bool, unsigned);

}  // namespace dsa110::fft
