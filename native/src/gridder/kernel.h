// The exponential-of-semicircle (ES) gridding kernel (Barnett et al. 2019): its choice for a
// requested accuracy, its Fourier transform (the grid correction) by quadrature, and the
// piecewise polynomials the gridder evaluates it with.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace dsa110::gridder {

constexpr int kMinSupport = 4;
constexpr int kMaxSupport = 16;
constexpr int kMaxDegree = 23;

// phi(t) = exp(beta (sqrt(1 - (2t/W)^2) - 1)) for |t| < W/2 cells, 0 outside; phi(0) = 1.
struct EsKernel {
  int support = 0;   // W, in grid cells
  double beta = 0;   // shape parameter
  double sigma = 0;  // oversampling factor the kernel was chosen for
  double error = 0;  // estimated relative aliasing error at that oversampling
  int degree = 0;    // degree of the polynomial on each of the W unit intervals
  // (degree + 1) x support: coeff[d * support + a] multiplies y^(degree - d) on interval a,
  // where the kernel at t = a + delta - W/2, delta in (0, 1], is the polynomial at y = 2 delta - 1.
  std::vector<double> coeff;

  double value(double t) const;
  // psi(xi) = integral of phi(t) cos(2 pi xi t) dt over the support (xi in cycles per cell),
  // by Gauss-Legendre quadrature after z = sin(theta), which makes the integrand smooth.
  double fourier(double xi) const;
};

// Estimated relative error of gridding with (W, beta) at oversampling sigma: the largest, over
// the image (|xi| <= 1/(2 sigma)), of the sum of |psi| at the aliases xi + j (j != 0, |j| <= 3)
// relative to psi(xi).
double es_alias_error(int support, double beta, double sigma);

// The kernel (W, beta) with its polynomial fitted to `poly_tolerance` (max abs error, phi(0) = 1).
EsKernel make_es_kernel(int support, double beta, double sigma, double poly_tolerance);

// The smallest support W in [kMinSupport, kMaxSupport] whose best beta meets `target`
// (estimated error) at oversampling sigma; throws std::invalid_argument when none does.
EsKernel choose_es_kernel(double target, double sigma, double poly_tolerance);

// Chebyshev interpolant of a smooth function on [a, b] (degree fixed at construction).
class Chebyshev {
 public:
  template <typename F>
  Chebyshev(double a, double b, int degree, F&& f);
  double operator()(double x) const;

 private:
  double a_, b_;
  std::vector<double> c_;
};

template <typename F>
Chebyshev::Chebyshev(double a, double b, int degree, F&& f)
    : a_(a), b_(b), c_(static_cast<std::size_t>(degree) + 1, 0.0) {
  const int n = degree + 1;
  const double pi = 3.141592653589793238462643383279502884;
  std::vector<double> fx(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    const double y = std::cos(pi * (k + 0.5) / n);
    fx[static_cast<std::size_t>(k)] = f(0.5 * (a + b) + 0.5 * (b - a) * y);
  }
  for (int j = 0; j < n; ++j) {
    double s = 0;
    for (int k = 0; k < n; ++k)
      s += fx[static_cast<std::size_t>(k)] * std::cos(pi * j * (k + 0.5) / n);
    c_[static_cast<std::size_t>(j)] = (j == 0 ? 1.0 : 2.0) * s / n;
  }
}

}  // namespace dsa110::gridder
