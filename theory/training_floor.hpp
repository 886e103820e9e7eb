// training.floor — Remark 1 of the paper (PAPER §2.1, §6.3.1): C̄ < 0, so the DSM loss cannot go below
// −C̄ > 0 at the population level.
//
//   L(θ) = ½ Σ_j β_j E‖S(θ; t_j, X_{t_j}) − ∇log p_{t_j}(X_{t_j}|X₀)‖² + C̄ ... rearranged (PAPER §2.1 [S]):
//   the DSM part ½ Σ_j β_j E‖S + ξ/σ̄_j‖² = ½ Σ_j β_j E‖S − ∇log p_{t_j}‖² − C̄ ≥ −C̄,
//   C̄ = ½ Σ_j β_j C_{t_j},  C_t = E‖∇log p_t‖² − d/σ̄_t² = −E‖∇log p_t(X_t|X₀) − ∇log p_t(X_t)‖² ≤ 0  [D].
//
// For Gaussian data N(μ, diag λ): C_t = Σ_i 1/(λ_i + σ̄²) − d/σ̄² = −Σ_i λ_i/(σ̄²(λ_i + σ̄²))  [D✓].
//
// The loss of numerics/dsm_loss.hpp is c_n Σ_i Σ_j β_j ‖r_ij‖² with r = κ_j·(S + ξ/σ̄_j) (κ_j = σ̄_j for
// the σ̄-scaled residual, 1 for the score residual). Its expectation over fresh data and noise is at
// least the *floor*  F* = c_n n Σ_j β_j κ_j² (−C_{t_j}); with c_n = 1/(2n) and the score residual F* = −C̄.
#pragma once

#include "gaussian.hpp"
#include "provenance.hpp"

#include <vector>

namespace diffbound::training_floor {

/// The claim of training.floor: statement (plain and LaTeX), PAPER source and tag, assumptions, constants
/// with their provenance.
inline ClaimInfo claim() {
  return {
      "training.floor",
      "Remark 1: C-bar < 0, the population DSM loss cannot go below -C-bar",
      "C_bar = 1/2 sum_j beta_j C_{t_j} < 0 and E[DSM loss](theta) >= -C_bar for every network; the empirical "
      "loss with fixed noise may go lower (memorisation)",
      R"(\bar C = \tfrac12\sum_{j=1}^N w(t_j)(t_j-t_{j-1})\,C_{t_j} < 0,\qquad \tfrac12\sum_j w(t_j)(t_j-t_{j-1})\,\mathbb E\|S_\theta(t_j,X_{t_j})+\xi/\bar\sigma_{t_j}\|^2 \ge -\bar C)",
      "PAPER.md §2.1 (Remark 1 [S], sign [D]), §6.3.1 (Gaussian closed form [D])",
      "[S]/[D✓]",
      {"variance-exploding forward process X_t = X_0 + sigma_t xi",
       "population loss: expectation over fresh data and fresh noise; the fresh-noise loss on a fixed training "
       "set has its own floor, that of the empirical law of the training points",
       "loss normalisation, residual form and weights as in numerics/dsm_loss.hpp (the floor scales with them)"},
      {{"one_half", "\\tfrac12", "1/2", Provenance::secondary, "[S]", "PAPER §2.1: the 1/2 in front of the loss"}},
  };
}

/// −C_t for Gaussian data at noise level σ̄ (≥ 0): Σ_i λ_i/(σ̄²(λ_i + σ̄²)).
template <class Real>
Real gaussian_neg_C(const DiagonalGaussian<Real>& data, const Real& sigma) {
  const Real a = sigma * sigma;
  Real s(0);
  for (const auto& m : data.modes) s += Real(m.multiplicity) * m.lambda / (a * (m.lambda + a));
  return s;
}

/// C̄ = ½ Σ_j β_j C_{t_j} from the per-level −C_{t_j} (the paper's definition, score residual).
template <class Real>
Real c_bar(const std::vector<Real>& beta, const std::vector<Real>& neg_C) {
  Real s(0);
  for (std::size_t j = 0; j < beta.size(); ++j) s -= beta[j] * neg_C[j];
  return s / 2;
}

/// The floor F* = c_n n Σ_j β_j κ_j² (−C_{t_j}) of the loss as normalised in dsm_loss.hpp.
template <class Real>
Real loss_floor(const Real& c_n, int n, const std::vector<Real>& beta, const std::vector<Real>& kappa,
                const std::vector<Real>& neg_C) {
  Real s(0);
  for (std::size_t j = 0; j < beta.size(); ++j) s += beta[j] * kappa[j] * kappa[j] * neg_C[j];
  return c_n * Real(n) * s;
}

}  // namespace diffbound::training_floor
