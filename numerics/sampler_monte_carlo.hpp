// Monte Carlo run of the actual stochastic sampler steps, the independent route against which the exact
// recursion of gaussian_sampler.hpp is tested. Double precision; one direction at a time (the
// directions of N(μ, diag λ) are independent under both the data law and the sampler).
#pragma once

#include "gaussian_sampler.hpp"
#include "random.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace diffbound {

/// Sample mean and variance of the sampler's output along one direction, with their standard errors.
struct MonteCarloMoments {
  double mean;             ///< sample mean of Y_{N−1}
  double variance;         ///< unbiased sample variance
  double mean_stderr;      ///< sqrt(variance / n)
  double variance_stderr;  ///< sqrt(2/(n−1)) · variance (Gaussian output)
  std::int64_t paths;
};

/// Simulates `paths` independent runs of Y_0 ~ N(0, a_0), Y_{k+1} = Y_k + Δ_k ŝ_k(Y_k) + sqrt(g_k) z_k.
inline MonteCarloMoments simulate_sampler_1d(double lambda, double mu, const std::vector<double>& a, double c, double b,
                                             StepKind kind, std::int64_t paths, std::uint64_t seed) {
  NormalSource normal(seed);
  const std::size_t n = a.size();
  std::vector<double> drift(n - 1), noise(n - 1), target(n - 1);
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const double delta = a[k] - a[k + 1];
    drift[k] = delta;
    target[k] = c / (lambda + a[k]);
    const double g = kind == StepKind::exponential_integrator ? delta : a[k + 1] * delta / a[k];
    noise[k] = std::sqrt(g);
  }
  const double sd0 = std::sqrt(a.front());
  // Welford's update keeps the variance accurate for any offset of the mean.
  double mean = 0, m2 = 0;
  for (std::int64_t p = 0; p < paths; ++p) {
    double y = sd0 * normal();
    for (std::size_t k = 0; k + 1 < n; ++k) {
      const double score = -target[k] * (y - mu) + b;
      y += drift[k] * score + noise[k] * normal();
    }
    const double d1 = y - mean;
    mean += d1 / static_cast<double>(p + 1);
    m2 += d1 * (y - mean);
  }
  const double var = m2 / static_cast<double>(paths - 1);
  return {mean, var, std::sqrt(var / static_cast<double>(paths)), std::sqrt(2.0 / static_cast<double>(paths - 1)) * var,
          paths};
}

}  // namespace diffbound
