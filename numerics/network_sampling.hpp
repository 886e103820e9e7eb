// Draws from an isotropic Gaussian mixture (numerics/nongaussian_data.hpp) and the Monte Carlo estimate of a
// network score's error along the forward process (full.error, design.weighting).
#pragma once

#include "network_score.hpp"
#include "nongaussian_data.hpp"
#include "random.hpp"

#include <boost/random/discrete_distribution.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace diffbound {

/// n draws of the mixture law (d × n): component by weight, then its Gaussian; reproducible from `seed`.
inline Eigen::MatrixXd draw_mixture(const IsoMixture& law, int n, std::uint64_t seed) {
  NormalSource g(seed);
  boost::random::discrete_distribution<int> pick(law.w.begin(), law.w.end());
  Eigen::MatrixXd X(law.d, n);
  for (int i = 0; i < n; ++i) {
    const int k = pick(g.engine());
    const double s = std::sqrt(law.v[static_cast<std::size_t>(k)]);
    for (int r = 0; r < law.d; ++r) X(r, i) = law.m[static_cast<std::size_t>(k)][static_cast<std::size_t>(r)] + s * g();
  }
  return X;
}

/// Monte Carlo estimate of E‖ŝ(X_a) − ∇log p_a(X_a)‖², X_a = X₀ + √a ξ, for a network score at σ = √a:
/// mean and standard error from `samples` draws (an independent route to the grid quadrature).
struct ScoreErrorMc {
  double mean = 0, std_error = 0;
};

inline ScoreErrorMc score_error_mc(const IsoMixture& law, const NetworkScore& model, double a, int samples,
                                   std::uint64_t seed) {
  const Eigen::MatrixXd X0 = draw_mixture(law, samples, seed);
  NormalSource g(mix64(seed ^ 0x5bd1e995ULL));
  const double sa = std::sqrt(a);
  Eigen::MatrixXd X = X0;
  for (Eigen::Index p = 0; p < X.cols(); ++p)
    for (Eigen::Index r = 0; r < X.rows(); ++r) X(r, p) += sa * g();
  Eigen::MatrixXd S;
  model.evaluate(X, sa, S);
  const MixtureAtLevel P(law, a);
  std::vector<double> st(static_cast<std::size_t>(law.d));
  double sum = 0, sum2 = 0;
  for (Eigen::Index p = 0; p < X.cols(); ++p) {
    P.score(X.col(p).data(), st.data());
    double e = 0;
    for (int r = 0; r < law.d; ++r) {
      const double diff = S(r, p) - st[static_cast<std::size_t>(r)];
      e += diff * diff;
    }
    sum += e, sum2 += e * e;
  }
  ScoreErrorMc out;
  const double n = static_cast<double>(samples);
  out.mean = sum / n;
  out.std_error = std::sqrt(std::max(0.0, (sum2 - n * out.mean * out.mean) / (n - 1)) / n);
  return out;
}

}  // namespace diffbound
