// The exact Gaussian sampler of numerics/gaussian_sampler.hpp with a score bias that depends on the level:
// ŝ_k(y) = −c (y − μ)/(λ + a_k) + b_k in every direction. The bias only moves the mean (m_{k+1} = r_k m_k +
// Δ_k b_k), so the recursion is the same StepTable with its per-step bias column replaced.
//
// With b_k = η/σ_k this is the score error that is uniform on the noise-prediction scale (the network's
// ε̂ = −σ ŝ is off by η in every coordinate), ε_k² = d η²/σ_k², the natural model for a network trained by
// denoising score matching (used by checks/sampling_schedules.cpp and checks/sampling_bound.cpp).
#pragma once

#include "gaussian_sampler.hpp"

#include <stdexcept>
#include <vector>

namespace diffbound {

/// KL(p_δ ‖ sampler) for the score −c(y − μ)/(λ + a_k) + b_k (bias per step k = 0 … N−2).
template <class Real>
Real sampler_kl_levels(const DiagonalGaussian<Real>& data, const std::vector<Real>& a, const Real& c,
                       const std::vector<Real>& bias, StepKind kind = StepKind::exponential_integrator) {
  if (bias.size() + 1 != a.size()) throw std::invalid_argument("sampler: need one bias per step");
  StepTable<Real> st(a, AffineScoreError<Real>{c, Real(0)}, kind);
  for (std::size_t k = 0; k < bias.size(); ++k) st.b_delta[k] = bias[k] * st.delta[k];
  return sum_mode_kl(data, st);
}

}  // namespace diffbound
