// sampling.nongaussian — the sampling bounds for data that only have a finite second moment (PAPER §1.1):
// sampling.init, the general form of sampling.girsanov, and sampling.bound, for Gaussian mixtures and a
// heavy-tailed law with finite variance (Student-t, ν > 2).
//
// The general Girsanov right-hand side [D]. For the frozen-score sampler started at π = N(0, a_0 I),
//   KL(p_δ ‖ q_N) ≤ KL(p_T ‖ π) + ½ Σ_k ∫_{a_{k+1}}^{a_k} E‖ŝ_k(X_{a_k}) − ∇log p_a(X_a)‖² da   (PAPER §6.2),
// expectations along the true forward process X_a = X_0 + W_a. Because the score is a reverse martingale,
// E[∇log p_a(X_a) | X_b] = ∇log p_b(X_b) for a < b (p_b = p_a * N(0, (b − a) I)), the integrand splits
// without a cross term into
//   E‖ŝ_k(X_{a_k}) − ∇log p_a(X_a)‖² = ε_k² + J(a) − J(a_k),   J(a) = E‖∇log p_a(X_a)‖² (Fisher information),
//   ε_k² = E‖ŝ_k(X_{a_k}) − ∇log p_{a_k}(X_{a_k})‖²,
// so the right-hand side is  init + ½ Σ_k ∫ (J(a) − J(a_k)) da + ½ Σ_k Δ_k ε_k². For Gaussian data this is
// sampling_girsanov::bound term by term; here J is a quadrature (1-D) and the path integrand is also
// estimated directly by Monte Carlo along forward paths (d dimensions), an independent route to the same
// number. For the scaled score ŝ_k = c ∇log p_{a_k}, ε_k² = (1 − c)² J(a_k).
#pragma once

#include "provenance.hpp"

#include <boost/math/quadrature/gauss.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace diffbound::sampling_nongaussian {

/// The claim of sampling.nongaussian: statement (plain and LaTeX), PAPER source and tag, assumptions, constants
/// with their provenance.
inline ClaimInfo claim() {
  return {
      "sampling.nongaussian",
      "The sampling bounds for data with only a finite second moment (mixtures, Student-t)",
      "for Gaussian mixtures and Student-t (nu > 2): KL(p_T || N(0, a_0 I)) <= m2^2/(2 a_0); "
      "KL(p_delta || q_N) <= init + 1/2 sum_k int (J(a) - J(a_k)) da + 1/2 sum_k Delta_k eps_k^2; "
      "KL(p_delta || q_N) <= E_I + E_D + E_S (sampling.bound, committed constants)",
      R"(\mathrm{KL}(p_\delta\|q_N)\le \mathrm{KL}(p_T\|\pi)+\tfrac12\sum_k\int_{a_{k+1}}^{a_k}\big(J(a)-J(a_k)\big)\,\mathrm da+\tfrac12\sum_k(a_k-a_{k+1})\,\varepsilon_k^2,\quad J(a)=\mathbb E\|\nabla\log p_a(X_a)\|^2)",
      "PAPER.md §1.1 (finite second moment), §3.2 (E_I), §6.2 (Girsanov), theory/sampling_bound.hpp",
      "[D]",
      {"data: isotropic Gaussian mixtures and Student-t (nu > 2) as a Gaussian scale mixture (finite m2^2)",
       "exponential-integrator VE sampler, score c grad log p_{a_k} (c = 1: exact score)",
       "1-D: the sampler's density propagated on a grid, error estimate from two resolutions",
       "d > 1: laws whose sampler reduces exactly to 1-D (mixtures on a line with equal variances, products); "
       "the bounds' terms by Monte Carlo in full dimension, 99% confidence"},
      {{"one_half", "\\tfrac12", "1/2", Provenance::derived, "[D]", "Girsanov for diffusion coefficient sqrt(a'(t))"},
       {"confidence", "1-\\alpha", "0.99", Provenance::derived, "[D]",
        "Monte Carlo terms enter a verdict with 2.576 standard errors"}},
  };
}

/// ½ Σ_k ∫_{a_{k+1}}^{a_k} (J(a) − J(a_k)) da, with J evaluated by `J` (a smooth function of ln a), by
/// 10-point Gauss–Legendre in ln a on every step, each step cut into `pieces` equal parts in ln a (the
/// difference between pieces = 1 and 2 is the rule's error estimate: a long step across J's transition
/// near a = λ loses digits).
template <class F>
double girsanov_discretization(const std::vector<double>& a, const F& J, int pieces = 1) {
  using GL = boost::math::quadrature::gauss<double, 10>;
  double total = 0;
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const double jk = J(a[k]);
    const double lo = std::log(a[k + 1]), hi = std::log(a[k]);
    auto integrand = [&](double t) {
      const double x = std::exp(t);
      return (J(x) - jk) * x;
    };
    if (pieces <= 1) {
      total += GL::integrate(integrand, lo, hi);
      continue;
    }
    const double h = (hi - lo) / pieces;
    for (int i = 0; i < pieces; ++i)
      total += GL::integrate(integrand, lo + i * h, i + 1 == pieces ? hi : lo + (i + 1) * h);
  }
  return total / 2;
}

/// Σ_k Δ_k ε_k² for the scaled score c ∇log p: (1 − c)² Σ_k Δ_k J(a_k).
template <class F>
double scaled_score_form(const std::vector<double>& a, double c, const F& J) {
  double s = 0;
  for (std::size_t k = 0; k + 1 < a.size(); ++k) s += (a[k] - a[k + 1]) * J(a[k]);
  return (1 - c) * (1 - c) * s;
}

}  // namespace diffbound::sampling_nongaussian
