// Named families of Gaussian test data N(μ, diag λ) for the sweeps, built into theory's DiagonalGaussian.
//
//   isotropic   λ_i = scale, μ_i = mean                              (one mode of multiplicity d)
//   power_law   λ_i = scale · i^(−alpha), μ_i = mean · (−1)^(i+1)   (a decaying spectrum, d modes)
//   dyadic      λ_i = scale · 2^(−alpha·j), μ_i = mean · (−1)^j,  j = ⌊log₂ i⌋  (the power law i^(−alpha)
//               frozen on dyadic blocks i ∈ [2^j, 2^(j+1)): a decaying spectrum with ⌊log₂ d⌋ + 1 distinct
//               values, so d = 10⁵ costs 17 modes)
//   list        λ and μ given explicitly                            (custom cases)
#pragma once

#include <diffbound/theory/gaussian.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace diffbound {

struct GaussianDataSpec {
  std::string spectrum = "isotropic";  ///< isotropic | power_law | dyadic | list
  std::int64_t dimension = 1;
  double scale = 1.0;              ///< λ_1 (isotropic: every λ_i)
  double alpha = 1.0;              ///< power-law exponent
  double mean = 0.0;               ///< |μ_i| (isotropic: μ_i; power_law: alternating signs)
  std::vector<double> lambda, mu;  ///< list only

  /// A short label for case ids and legends, e.g. "iso(d=16)" or "pow1(d=1024)".
  std::string label() const {
    if (spectrum == "isotropic") return "iso(d=" + std::to_string(dimension) + ")";
    if (spectrum == "power_law") return "pow" + shortest_decimal(alpha) + "(d=" + std::to_string(dimension) + ")";
    if (spectrum == "dyadic") return "dyadic" + shortest_decimal(alpha) + "(d=" + std::to_string(dimension) + ")";
    return "list(d=" + std::to_string(lambda.size()) + ")";
  }
};

/// Throws (naming the option) when an option is out of its range; called before any work.
inline void validate(const GaussianDataSpec& s) {
  if (s.spectrum != "isotropic" && s.spectrum != "power_law" && s.spectrum != "dyadic" && s.spectrum != "list")
    throw DataError("gaussian data: unknown spectrum '" + s.spectrum +
                    "' (expected isotropic, power_law, dyadic or list)");
  if (s.spectrum == "list") {
    validate_gaussian(s.lambda, s.mu, std::vector<std::int64_t>(s.lambda.size(), 1));
    return;
  }
  if (s.dimension < 1)
    throw DataError("gaussian data: dimension must be at least 1, got " + std::to_string(s.dimension));
  if (!std::isfinite(s.scale) || !(s.scale >= 0))
    throw DataError("gaussian data: scale (the variance lambda_1) must be a finite non-negative number, got " +
                    shortest_decimal(s.scale));
  if (!std::isfinite(s.alpha)) throw DataError("gaussian data: alpha must be a finite number");
  if (!std::isfinite(s.mean)) throw DataError("gaussian data: mean must be a finite number");
}

/// The data law of a spec in the scalar type Real (parameters as their shortest decimals).
template <class Real>
DiagonalGaussian<Real> make_data(const GaussianDataSpec& s) {
  validate(s);
  DiagonalGaussian<Real> g;
  if (s.spectrum == "isotropic") {
    g.modes.push_back({decimal<Real>(s.scale), decimal<Real>(s.mean), s.dimension});
  } else if (s.spectrum == "power_law") {
    using std::pow;
    const Real scale = decimal<Real>(s.scale), alpha = decimal<Real>(s.alpha), mean = decimal<Real>(s.mean);
    g.modes.reserve(static_cast<std::size_t>(s.dimension));
    for (std::int64_t i = 1; i <= s.dimension; ++i) {
      const Real lam = i == 1 ? scale : scale * pow(Real(i), -alpha);
      g.modes.push_back({lam, (i % 2 == 1) ? mean : Real(-mean), 1});
    }
  } else if (s.spectrum == "dyadic") {
    using std::pow;
    const Real scale = decimal<Real>(s.scale), alpha = decimal<Real>(s.alpha), mean = decimal<Real>(s.mean);
    for (std::int64_t j = 0, first = 1; first <= s.dimension; ++j, first *= 2) {
      const std::int64_t last = std::min<std::int64_t>(2 * first - 1, s.dimension);
      const Real lam = j == 0 ? scale : scale * pow(Real(2), -alpha * Real(j));
      g.modes.push_back({lam, (j % 2 == 0) ? mean : Real(-mean), last - first + 1});
    }
  } else {
    g = make_gaussian<Real>(s.lambda, s.mu, std::vector<std::int64_t>(s.lambda.size(), 1));
  }
  return g;
}

}  // namespace diffbound
