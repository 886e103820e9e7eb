// sampling.init — the initialization term of the VE sampling bound (PAPER §3.2, [D✓]).
//
//   KL(p_T ‖ N(0, σ_T² I)) ≤ m₂² / (2 σ_T²),   m₂² = E‖X₀‖²,
//
// because p_T = p₀ * N(0, σ_T² I) and KL is jointly convex: KL(p_T ‖ N(0, σ_T²I)) ≤
// E_{x∼p₀} KL(N(x, σ_T² I) ‖ N(0, σ_T² I)) = E‖x‖²/(2σ_T²). Only a finite second moment is assumed.
#pragma once

#include "gaussian.hpp"
#include "provenance.hpp"

namespace diffbound::sampling_init {

/// The claim of sampling.init: statement (plain and LaTeX), PAPER source and tag, assumptions, constants
/// with their provenance.
inline ClaimInfo claim() {
  return {
      "sampling.init",
      "Initialization error of the VE sampler",
      "KL(p_T || N(0, sigma_T^2 I)) <= m2^2 / (2 sigma_T^2)",
      R"(\mathrm{KL}\big(p_T \,\|\, \mathcal N(0, \sigma_T^2 I_d)\big) \le \frac{m_2^2}{2\sigma_T^2},\qquad m_2^2 = \mathbb E\|X_0\|^2)",
      "PAPER.md §3.2 (form), §6.1 (Gaussian closed form)",
      "[D✓]",
      {"the data have a finite second moment m_2^2 = E||X_0||^2",
       "variance-exploding forward process: p_T = p_0 * N(0, sigma_T^2 I)",
       "the sampler starts from N(0, sigma_T^2 I)"},
      {{"one_half", "\\tfrac12", "1/2", Provenance::derived, "[D✓]",
        "PAPER §3.2: convexity of KL in its first argument"}},
  };
}

/// Right-hand side m₂²/(2σ_T²), with a0 = σ_T².
template <class Real>
Real bound(const Real& m2_squared, const Real& a0) {
  return m2_squared / (2 * a0);
}

/// Left-hand side for Gaussian data, exactly (PAPER §6.1).
template <class Real>
Real exact_gaussian(const DiagonalGaussian<Real>& data, const Real& a0) {
  return prior_kl_gaussian(data, a0);
}

}  // namespace diffbound::sampling_init
