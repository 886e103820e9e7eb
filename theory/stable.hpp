// Cancellation-free forms of the small quantities that the sampling bounds are made of.
//
// In double and MPFR the small-argument branches sum the Taylor series to the working precision; in
// MPFI the direct formula is used, because every MPFI operation rounds outward and the enclosure is
// therefore rigorous (only wider, never wrong).
#pragma once

#include "scalar.hpp"

#include <cmath>
#include <limits>

namespace diffbound {

/// Machine epsilon of a point kind at the current precision.
template <class Real>
Real epsilon_of() {
  if constexpr (std::is_same_v<Real, double>)
    return std::numeric_limits<double>::epsilon();
  else
    return Real(std::ldexp(1.0, -static_cast<int>(working_precision_bits()) + 1));
}

/// f(x) = −log(1 − x) − x = Σ_{n≥2} xⁿ/n, for x < 1. Non-negative, ≈ x²/2 for small x.
/// It is the per-step discretization gap of the exponential integrator (PAPER §6.2) and, with
/// x = ε/(1+ε), the variance part of a Gaussian KL.
template <class Real>
Real neg_log1m_minus_x(const Real& x) {
  using std::log1p;
  if constexpr (is_interval_v<Real>) {
    return -log1p(-x) - x;
  } else {
    using std::fabs;
    if (fabs(x) < Real(0.125)) {
      const Real eps = epsilon_of<Real>();
      Real pw = x * x;  // x^n
      Real sum = pw / 2;
      for (int n = 3; n < 100000; ++n) {
        pw *= x;
        const Real term = pw / n;
        sum += term;
        if (fabs(term) <= eps * fabs(sum) / 4) break;
      }
      return sum;
    }
    return -log1p(-x) - x;
  }
}

/// ψ(ε) = log(1 + ε) − ε/(1 + ε), for ε > −1: twice KL(N(0, s) ‖ N(0, s(1+ε))).
template <class Real>
Real log1p_minus_ratio(const Real& eps) {
  return neg_log1m_minus_x<Real>(eps / (Real(1) + eps));
}

/// KL(N(m_p, v_p) ‖ N(m_q, v_q)) in one dimension, written through the relative variance excess
/// ε = (v_q − v_p)/v_p so that a KL of 1e-30 keeps its digits: ½[ψ(ε) + (m_p − m_q)²/v_q].
template <class Real>
Real kl_gaussian_1d_excess(const Real& v_p, const Real& excess_q_minus_p, const Real& mean_diff) {
  const Real eps = excess_q_minus_p / v_p;
  const Real v_q = v_p + excess_q_minus_p;
  return (log1p_minus_ratio<Real>(eps) + mean_diff * mean_diff / v_q) / 2;
}

}  // namespace diffbound
