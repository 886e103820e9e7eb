// training.linear_rate — Theorem 1 of the paper (PAPER §3.1 [S]): full-batch GD on the empirical DSM
// loss of a wide deep ReLU network converges exponentially (linearly) into a neighbourhood of the
// minimum. Rate, step-size range, width requirement and depth dependence are [UNKNOWN].
//
// Encoded form (the Allen-Zhu–Li–Song per-step factor 1 − Ω(η δ m/(d n²)), PAPER §5.1 [R]; the paper's
// own recollected form 1 − C h β_{j*} m/poly(n, N, d), PAPER §3.1 [R, low confidence]):
//
//     L̄(θ_{k+1}) − L̄* ≤ (1 − ρ)(L̄(θ_k) − L̄*),   ρ ≥ C_rate · h · q_min · δ · m / (d · P²),
//
// with P = nN network inputs, δ their separation, d the output dimension, q_min = min_j 2 c_n β_j α_j²
// the smallest effective per-sample weight (numerics/dsm_loss.hpp), C_rate unknown: fitted on the
// calibration runs of a sweep and held to its held-out runs. Exponents: m¹, h¹, P⁻², d⁻¹, δ¹ [R].
// L̄* is defined per check: 0 (interpolation) for the over-parameterised runs here.
#pragma once

#include "provenance.hpp"

namespace diffbound::training_linear_rate {

/// The claim of training.linear_rate: statement (plain and LaTeX), PAPER source and tag, assumptions, constants
/// with their provenance.
inline ClaimInfo claim() {
  return {
      "training.linear_rate",
      "Theorem 1: GD on the empirical DSM loss converges linearly; the rate grows with width and step",
      "L(theta_{k+1}) - L* <= (1 - rho)(L(theta_k) - L*) with rho >= C_rate h q_min delta m / (d P^2) "
      "(P = nN inputs), for h below the stability limit",
      R"(\bar L(\theta_{k+1})-\bar L^*\le(1-\rho)\big(\bar L(\theta_k)-\bar L^*\big),\qquad \rho \ge C_{\mathrm{rate}}\,\frac{h\,q_{\min}\,\delta\, m}{d\,(nN)^2})",
      "PAPER.md §3.1 (Theorem 1 [S]; contraction form [R]), §5.1 (Allen-Zhu Thm 1 [R])",
      "[S]/[R]",
      {"over-parameterised regime: L* = 0 (the network interpolates the nN noisy targets)",
       "full-batch GD with a fixed step h below 2/lambda_max of the Gauss-Newton matrix at initialisation",
       "network and loss options as in numerics/relu_network.hpp and numerics/dsm_loss.hpp"},
      {{"C_rate", "C_{\\mathrm{rate}}", "fitted", Provenance::unknown_fitted, "[UNKNOWN]",
        "PAPER §3.1: the contraction constant is unknown; fitted per sweep on the calibration runs"},
       {"exponent_m", "1", "1", Provenance::recalled, "[R]", "PAPER §5.1: eta delta m/(d n^2), linear in m"},
       {"exponent_P", "-2", "-2", Provenance::recalled, "[R]", "PAPER §5.1: n^-2 (n -> nN inputs here)"},
       {"exponent_h", "1", "1", Provenance::recalled, "[R]", "PAPER §5.1: linear in the step eta"}},
  };
}

/// The form h q_min δ m/(d P²) that ρ is held to (times C_rate).
inline double rate_form(double h, double q_min, double delta, double m, double d, double P) {
  return h * q_min * delta * m / (d * P * P);
}

}  // namespace diffbound::training_linear_rate
