// ES kernel: quadrature for its Fourier transform, the beta search, the polynomial fit.
#include "gridder/kernel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

namespace dsa110::gridder {
namespace {

constexpr double kPi = 3.141592653589793238462643383279502884;

// Gauss-Legendre nodes and weights on [0, pi/2] (n points), by Newton on P_n.
struct Quadrature {
  std::vector<double> x, w;
  explicit Quadrature(int n) : x(static_cast<std::size_t>(n)), w(static_cast<std::size_t>(n)) {
    for (int i = 0; i < n; ++i) {
      double z = std::cos(kPi * (i + 0.75) / (n + 0.5));
      double dp = 1;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1, p1 = z;
        for (int k = 2; k <= n; ++k) {
          const double p2 = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        dp = n * (z * p1 - p0) / (z * z - 1);
        const double dz = p1 / dp;
        z -= dz;
        if (std::abs(dz) < 1e-16) break;
      }
      // Map [-1, 1] to [0, pi/2].
      x[static_cast<std::size_t>(i)] = 0.25 * kPi * (z + 1);
      w[static_cast<std::size_t>(i)] = 0.25 * kPi * 2 / ((1 - z * z) * dp * dp);
    }
  }
};

// psi(xi) for (W, beta) with a given quadrature: with z = 2t/W = sin(theta),
// psi = W * integral_0^{pi/2} exp(beta (cos theta - 1)) cos(pi W xi sin theta) cos theta dtheta.
double es_fourier(int support, double beta, double xi, const Quadrature& q) {
  double s = 0;
  const double k = kPi * support * xi;
  for (std::size_t i = 0; i < q.x.size(); ++i) {
    const double c = std::cos(q.x[i]);
    s += q.w[i] * std::exp(beta * (c - 1)) * std::cos(k * std::sin(q.x[i])) * c;
  }
  return support * s;
}

const Quadrature& estimate_quadrature() {
  // Immutable after construction (C++11 thread-safe static init): no mutable global state.
  static const Quadrature q(160);
  return q;
}

const Quadrature& precise_quadrature() {
  static const Quadrature q(128);
  return q;
}

double alias_error(int support, double beta, double sigma, const Quadrature& q) {
  const double xmax = 0.5 / sigma;
  double worst = 0;
  constexpr int kSamples = 6;
  for (int s = 0; s <= kSamples; ++s) {
    const double xi = xmax * s / kSamples;
    const double main = es_fourier(support, beta, xi, q);
    double alias = 0;
    for (int j = 1; j <= 3; ++j) {
      alias += std::abs(es_fourier(support, beta, xi + j, q)) +
               std::abs(es_fourier(support, beta, xi - j, q));
    }
    worst = std::max(worst, alias / std::abs(main));
  }
  return worst;
}

// The beta (as gamma in beta = gamma pi W (1 - 1/(2 sigma)), Barnett's parametrisation) that
// minimises the estimated error, by golden-section search.
double best_beta(int support, double sigma, double* error) {
  const Quadrature& q = estimate_quadrature();
  const double scale = kPi * support * (1 - 0.5 / sigma);
  auto f = [&](double g) { return alias_error(support, g * scale, sigma, q); };
  double a = 0.80, b = 1.10;
  const double r = 0.5 * (std::sqrt(5.0) - 1);
  double c = b - r * (b - a), d = a + r * (b - a);
  double fc = f(c), fd = f(d);
  for (int it = 0; it < 22; ++it) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  const double g = 0.5 * (a + b);
  *error = f(g);
  return g * scale;
}

EsKernel search_es_kernel(double target, double sigma, double poly_tolerance);

}  // namespace

double EsKernel::value(double t) const {
  const double z = 2 * t / support;
  if (std::abs(z) >= 1) return 0;
  return std::exp(beta * (std::sqrt(1 - z * z) - 1));
}

double EsKernel::fourier(double xi) const {
  return es_fourier(support, beta, xi, precise_quadrature());
}

double es_alias_error(int support, double beta, double sigma) {
  return alias_error(support, beta, sigma, estimate_quadrature());
}

EsKernel make_es_kernel(int support, double beta, double sigma, double poly_tolerance) {
  if (support < kMinSupport || support > kMaxSupport)
    throw std::invalid_argument("kernel support out of range");
  EsKernel k;
  k.support = support;
  k.beta = beta;
  k.sigma = sigma;
  k.error = es_alias_error(support, beta, sigma);
  const int W = support;
  for (int deg = std::min(W + 1, kMaxDegree);; ++deg) {
    // Chebyshev interpolation of each interval, converted to monomials in y.
    std::vector<double> coeff(static_cast<std::size_t>((deg + 1) * W), 0.0);
    double worst = 0;
    for (int a = 0; a < W; ++a) {
      auto f = [&](double y) { return k.value(a + 0.5 * (y + 1) - 0.5 * W); };
      const int n = deg + 1;
      std::vector<double> cheb(static_cast<std::size_t>(n), 0.0);
      for (int j = 0; j < n; ++j) {
        double s = 0;
        for (int i = 0; i < n; ++i)
          s += f(std::cos(kPi * (i + 0.5) / n)) * std::cos(kPi * j * (i + 0.5) / n);
        cheb[static_cast<std::size_t>(j)] = (j == 0 ? 1.0 : 2.0) * s / n;
      }
      // Monomial coefficients (ascending) of sum cheb[j] T_j(y).
      std::vector<double> mono(static_cast<std::size_t>(n), 0.0),
          tm1(static_cast<std::size_t>(n), 0.0), t0(static_cast<std::size_t>(n), 0.0),
          t1(static_cast<std::size_t>(n), 0.0);
      t0[0] = 1;
      if (n > 1) t1[1] = 1;
      for (int j = 0; j < n; ++j) {
        const std::vector<double>& tj = j == 0 ? t0 : t1;
        for (int i = 0; i < n; ++i)
          mono[static_cast<std::size_t>(i)] +=
              cheb[static_cast<std::size_t>(j)] * tj[static_cast<std::size_t>(i)];
        if (j >= 1) {
          // T_{j+1} = 2 y T_j - T_{j-1}
          std::vector<double> next(static_cast<std::size_t>(n), 0.0);
          for (int i = 0; i + 1 < n; ++i)
            next[static_cast<std::size_t>(i + 1)] = 2 * t1[static_cast<std::size_t>(i)];
          for (int i = 0; i < n; ++i)
            next[static_cast<std::size_t>(i)] -= t0[static_cast<std::size_t>(i)];
          t0 = t1;
          t1 = next;
        }
      }
      for (int d = 0; d <= deg; ++d)
        coeff[static_cast<std::size_t>(d * W + a)] = mono[static_cast<std::size_t>(deg - d)];
      for (int s = 0; s <= 400; ++s) {
        const double y = -1 + 2.0 * s / 400;
        double p = 0;
        for (int d = 0; d <= deg; ++d) p = p * y + coeff[static_cast<std::size_t>(d * W + a)];
        worst = std::max(worst, std::abs(p - f(y)));
      }
    }
    if (worst <= poly_tolerance || deg == kMaxDegree) {
      k.degree = deg;
      k.coeff = std::move(coeff);
      return k;
    }
  }
}

EsKernel choose_es_kernel(double target, double sigma, double poly_tolerance) {
  // The search takes tens of milliseconds; calls repeat the same few requests (one per
  // oversampling tried, each major cycle), so the results are kept (a small bounded memo).
  static std::mutex mutex;
  static std::map<std::tuple<double, double, double>, EsKernel> memo;
  const auto key = std::make_tuple(target, sigma, poly_tolerance);
  {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = memo.find(key);
    if (it != memo.end()) return it->second;
  }
  EsKernel k = search_es_kernel(target, sigma, poly_tolerance);  // throws when none qualifies
  std::lock_guard<std::mutex> lock(mutex);
  if (memo.size() >= 64) memo.clear();
  memo.emplace(key, k);
  return k;
}

namespace {
EsKernel search_es_kernel(double target, double sigma, double poly_tolerance) {
  double error = 0;
  for (int W = kMinSupport; W <= kMaxSupport; ++W) {
    const double beta = best_beta(W, sigma, &error);
    if (error <= target) return make_es_kernel(W, beta, sigma, poly_tolerance);
  }
  char msg[200];
  std::snprintf(msg, sizeof msg,
                "no kernel of support <= %d reaches an estimated error of %.3g at oversampling %g "
                "(best %.3g); ask for a larger epsilon or oversampling",
                kMaxSupport, target, sigma, error);
  throw std::invalid_argument(msg);
}
}  // namespace

double Chebyshev::operator()(double x) const {
  if (b_ == a_) return c_[0];
  const double y = (2 * x - a_ - b_) / (b_ - a_);
  double b1 = 0, b2 = 0;
  for (std::size_t j = c_.size(); j-- > 1;) {
    const double t = 2 * y * b1 - b2 + c_[j];
    b2 = b1;
    b1 = t;
  }
  return y * b1 - b2 + c_[0];
}

}  // namespace dsa110::gridder
