// Data laws for the training experiments: draws of X₀, the true score of the noised law p_t, and the
// per-level population DSM minimum (PAPER §2.1, §6.3.1).
//
//   gaussian   N(μ, diag λ) from a GaussianDataSpec (isotropic, power_law, list): closed forms.
//   mixture    K equal-weight components N(μ_k, s² I) with μ_k = r·e_k (k = 1..K ≤ d): the score of
//              p_t = Σ π_k N(μ_k, (s² + σ̄²) I) in closed form, expectations by Monte Carlo.
//
// The empirical law of the training points (a mixture of Dirac masses, s = 0) is also a mixture: its
// floor is what GD on a fixed training set can approach when fresh noise is drawn (memorisation).
#pragma once

#include "gaussian_data.hpp"
#include "random.hpp"

#include <Eigen/Dense>
#include <boost/random/uniform_int_distribution.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound {

struct TrainingDataSpec {
  std::string family = "gaussian";  ///< gaussian | mixture
  GaussianDataSpec gaussian;        ///< family gaussian
  std::int64_t dimension = 4;       ///< family mixture: d
  int components = 2;               ///< family mixture: K ≤ d
  double radius = 2.0;              ///< family mixture: μ_k = radius · e_k
  double spread = 0.5;              ///< family mixture: component standard deviation s

  std::int64_t dim() const {
    if (family != "gaussian") return dimension;
    return gaussian.spectrum == "list" ? static_cast<std::int64_t>(gaussian.lambda.size()) : gaussian.dimension;
  }
  std::string label() const {
    if (family == "gaussian") return gaussian.label();
    return "mix" + std::to_string(components) + "(d=" + std::to_string(dimension) + ")";
  }
};

/// Throws (naming the option) when an option is out of its range; called before any work.
inline void validate(const TrainingDataSpec& s) {
  if (s.family == "gaussian") {
    validate(s.gaussian);
    return;
  }
  if (s.family != "mixture")
    throw DataError("training data: unknown family '" + s.family + "' (expected gaussian or mixture)");
  if (s.dimension < 1) throw DataError("mixture data: dimension must be at least 1");
  if (s.components < 1 || s.components > s.dimension)
    throw DataError("mixture data: components must lie in [1, dimension]");
  if (!(s.radius >= 0) || !std::isfinite(s.radius)) throw DataError("mixture data: radius must be finite and >= 0");
  if (!(s.spread >= 0) || !std::isfinite(s.spread)) throw DataError("mixture data: spread must be finite and >= 0");
}

/// An equal-weight isotropic Gaussian mixture Σ_k (1/K) N(μ_k, s_k² I): the mixture family, and the
/// empirical law of a training set (s_k = 0, μ_k = the points).
struct EqualWeightMixture {
  Eigen::MatrixXd means;      ///< d × K
  Eigen::VectorXd variances;  ///< K (s_k²)

  /// Score of the law convolved with N(0, a I) at x (a > 0), into `out`; `logw` is scratch of size K.
  void noised_score(const Eigen::VectorXd& x, double a, Eigen::VectorXd& out, Eigen::VectorXd& logw) const {
    const Eigen::Index K = means.cols();
    const double d = static_cast<double>(means.rows());
    double mx = -std::numeric_limits<double>::infinity();
    for (Eigen::Index k = 0; k < K; ++k) {
      const double v = variances(k) + a;
      logw(k) = -(x - means.col(k)).squaredNorm() / (2 * v) - 0.5 * d * std::log(v);
      mx = std::max(mx, logw(k));
    }
    double z = 0;
    for (Eigen::Index k = 0; k < K; ++k) z += (logw(k) = std::exp(logw(k) - mx));
    out.setZero();
    for (Eigen::Index k = 0; k < K; ++k) out -= (logw(k) / z) * (x - means.col(k)) / (variances(k) + a);
  }
};

/// Draws n points of the data law (d × n), reproducibly from `seed`.
inline Eigen::MatrixXd draw_data(const TrainingDataSpec& s, int n, std::uint64_t seed) {
  validate(s);
  NormalSource g(seed);
  const auto d = s.dim();
  Eigen::MatrixXd X(d, n);
  if (s.family == "gaussian") {
    const auto law = make_data<double>(s.gaussian);
    for (int i = 0; i < n; ++i) {
      Eigen::Index r = 0;
      for (const auto& mode : law.modes)
        for (std::int64_t k = 0; k < mode.multiplicity; ++k) X(r++, i) = mode.mu + std::sqrt(mode.lambda) * g();
    }
  } else {
    boost::random::uniform_int_distribution<int> pick(0, s.components - 1);
    for (int i = 0; i < n; ++i) {
      const int k = pick(g.engine());
      for (Eigen::Index r = 0; r < d; ++r) X(r, i) = (r == k ? s.radius : 0.0) + s.spread * g();
    }
  }
  return X;
}

/// The mixture law of the `mixture` family.
inline EqualWeightMixture mixture_law(const TrainingDataSpec& s) {
  EqualWeightMixture m;
  m.means = Eigen::MatrixXd::Zero(s.dimension, s.components);
  for (int k = 0; k < s.components; ++k) m.means(k, k) = s.radius;
  m.variances = Eigen::VectorXd::Constant(s.components, s.spread * s.spread);
  return m;
}

/// The empirical law (1/n) Σ δ_{x_i} of a training set, as a mixture with zero variances.
inline EqualWeightMixture empirical_law(const Eigen::MatrixXd& x0) { return {x0, Eigen::VectorXd::Zero(x0.cols())}; }

/// Monte Carlo estimate of E‖σ̄ ∇log p_σ̄(X) + ξ‖² for X = X₀ + σ̄ ξ, X₀ drawn from `draw` (a callable
/// (rng) → X₀), with its standard error. This is the per-level population DSM minimum on the σ̄-scaled
/// residual, −σ̄² C_t (PAPER §2.1 [D]).
struct McEstimate {
  double mean = 0, std_error = 0;
  int samples = 0;
};

template <class Draw>
McEstimate mc_scaled_floor(const EqualWeightMixture& law, double sigma, int samples, std::uint64_t seed, Draw&& draw) {
  NormalSource g(seed);
  const Eigen::Index d = law.means.rows();
  Eigen::VectorXd x0(d), xi(d), x(d), s(d), logw(law.means.cols());
  double sum = 0, sum2 = 0;
  for (int k = 0; k < samples; ++k) {
    draw(g, x0);
    for (Eigen::Index r = 0; r < d; ++r) xi(r) = g();
    x = x0 + sigma * xi;
    law.noised_score(x, sigma * sigma, s, logw);
    const double v = (sigma * s + xi).squaredNorm();
    sum += v, sum2 += v * v;
  }
  McEstimate e;
  e.samples = samples;
  e.mean = sum / samples;
  const double var = samples > 1 ? std::max(0.0, (sum2 - samples * e.mean * e.mean) / (samples - 1)) : 0.0;
  e.std_error = std::sqrt(var / samples);
  return e;
}

/// X₀ drawn from a mixture (uniform component, then its Gaussian).
inline auto mixture_drawer(const EqualWeightMixture& law) {
  return [&law](NormalSource& g, Eigen::VectorXd& x0) {
    boost::random::uniform_int_distribution<int> pick(0, static_cast<int>(law.means.cols()) - 1);
    const int k = pick(g.engine());
    const double s = std::sqrt(law.variances(k));
    for (Eigen::Index r = 0; r < x0.size(); ++r) x0(r) = law.means(r, k) + s * g();
  };
}

}  // namespace diffbound
