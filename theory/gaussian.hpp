// Gaussian data N(μ, diag λ) under variance-exploding noise, and the affine score models that carry a
// controlled error (PAPER §6.1).
//
// A direction of the data is a mode (λ, μ); identical directions are grouped with a multiplicity, so an
// isotropic law in d = 10⁵ dimensions costs one mode. Along the forward process p_t = N(μ, Σ + a I) with
// a = σ̄_t², so the true score is −(x − μ)/(λ + a) per direction.
#pragma once

#include "scalar.hpp"
#include "stable.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound {

/// One eigen-direction of the data covariance, repeated `multiplicity` times.
template <class Real>
struct GaussianMode {
  Real lambda;  ///< variance of the data along the direction (≥ 0)
  Real mu;      ///< mean of the data along the direction
  std::int64_t multiplicity = 1;
};

/// Data N(μ, diag λ) as a list of modes.
template <class Real>
struct DiagonalGaussian {
  std::vector<GaussianMode<Real>> modes;

  std::int64_t dimension() const {
    std::int64_t d = 0;
    for (const auto& m : modes) d += m.multiplicity;
    return d;
  }
  /// m₂² = E‖X₀‖² = Σ (μᵢ² + λᵢ)  (PAPER §1.1: the only moment the sampling theory needs).
  Real second_moment() const {
    Real s(0);
    for (const auto& m : modes) s += Real(m.multiplicity) * (m.mu * m.mu + m.lambda);
    return s;
  }
};

/// Thrown for invalid data; the message names the field.
struct DataError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Checks a data description given as doubles (before it is lifted to Real).
inline void validate_gaussian(const std::vector<double>& lambda, const std::vector<double>& mu,
                              const std::vector<std::int64_t>& multiplicity) {
  if (lambda.empty()) throw DataError("gaussian data: the spectrum is empty (dimension 0)");
  if (lambda.size() != mu.size() || lambda.size() != multiplicity.size())
    throw DataError("gaussian data: the spectrum, means and multiplicities have different lengths");
  for (std::size_t i = 0; i < lambda.size(); ++i) {
    if (!std::isfinite(lambda[i]))
      throw DataError("gaussian data: variance " + std::to_string(i) + " is not a finite number");
    if (!(lambda[i] >= 0))
      throw DataError("gaussian data: variance " + std::to_string(i) + " is negative (" + shortest_decimal(lambda[i]) +
                      ")");
    if (!std::isfinite(mu[i])) throw DataError("gaussian data: mean " + std::to_string(i) + " is not a finite number");
    if (multiplicity[i] < 1)
      throw DataError("gaussian data: multiplicity " + std::to_string(i) + " must be at least 1");
  }
}

/// Builds the data law from double parameters (each meaning its shortest decimal).
template <class Real>
DiagonalGaussian<Real> make_gaussian(const std::vector<double>& lambda, const std::vector<double>& mu,
                                     const std::vector<std::int64_t>& multiplicity) {
  validate_gaussian(lambda, mu, multiplicity);
  DiagonalGaussian<Real> g;
  g.modes.reserve(lambda.size());
  for (std::size_t i = 0; i < lambda.size(); ++i)
    g.modes.push_back({decimal<Real>(lambda[i]), decimal<Real>(mu[i]), multiplicity[i]});
  return g;
}

/// The score model ŝ(y; a_k) = −c (y − μ)/(λ + a_k) + b, per direction: c = 1, b = 0 is the exact
/// score; c ≠ 1 scales it, b adds a constant bias (PAPER §6.1).
template <class Real>
struct AffineScoreError {
  Real c = Real(1);
  Real b = Real(0);
};

/// KL(p_T ‖ N(0, a₀ I)) for Gaussian data, exactly: Σ ½[μ²/a₀ + λ/a₀ − log(1 + λ/a₀)] (PAPER §6.1).
/// x − log(1 + x) = f(−x) with f of stable.hpp, so the small gap keeps its digits.
template <class Real>
Real prior_kl_gaussian(const DiagonalGaussian<Real>& data, const Real& a0) {
  Real s(0);
  for (const auto& m : data.modes) {
    const Real x = m.lambda / a0;
    s += Real(m.multiplicity) * (m.mu * m.mu / a0 + neg_log1m_minus_x<Real>(-x));
  }
  return s / 2;
}

}  // namespace diffbound
