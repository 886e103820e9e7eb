// training.gradient_lower_bound — the role of Lemma 1 (App. D.1) of the paper: a lower bound on the
// gradient of the empirical DSM loss (a PL-type inequality) along GD. Statement [UNKNOWN]; the
// Allen-Zhu–Li–Song form it replaces (PAPER §5.1 Thm 3 [R]):
//
//     ‖∇L̄(θ)‖_F² ≥ C_PL · q_min · δ · m / (d · P²) · (L̄(θ) − L̄*)      for ‖θ − θ⁽⁰⁾‖_2 ≤ ω,
//
// P = nN inputs, δ their separation, d the output dimension, q_min = min_j 2 c_n β_j α_j². C_PL is
// unknown: fitted on the calibration runs of a sweep, held to the held-out runs. L̄* = 0 here
// (over-parameterised: interpolation); the population floor −C̄ of training.floor is a different L*.
#pragma once

#include "provenance.hpp"

namespace diffbound::training_gradient_lower_bound {

/// The claim of training.gradient_lower_bound: statement (plain and LaTeX), PAPER source and tag, assumptions,
/// constants with their provenance.
inline ClaimInfo claim() {
  return {
      "training.gradient_lower_bound",
      "Lemma 1's role: ||grad L||^2 >= c (L - L*) along GD, c of the Allen-Zhu form delta m/(d n^2)",
      "min over the GD path of ||grad L||_F^2 / (L - L*) >= C_PL q_min delta m / (d P^2)",
      R"(\min_k \frac{\|\nabla\bar L(\theta_k)\|_F^2}{\bar L(\theta_k)-\bar L^*} \ge C_{\mathrm{PL}}\,\frac{q_{\min}\,\delta\,m}{d\,(nN)^2})",
      "PAPER.md §3 (Lemma 1 [S], statement [UNKNOWN]), §5.1 (Allen-Zhu Thm 3 [R])",
      "[S]/[R]",
      {"L* = 0 (over-parameterised: interpolation); path points with L below the round-off guard are excluded",
       "the path stays within radius omega of the initialisation (recorded)"},
      {{"C_PL", "C_{\\mathrm{PL}}", "fitted", Provenance::unknown_fitted, "[UNKNOWN]",
        "PAPER §5.1: Omega(.) constant unknown; fitted per sweep on calibration runs"},
       {"exponent_m", "1", "1", Provenance::recalled, "[R]", "PAPER §5.1: delta m/(d n^2)"},
       {"exponent_P", "-2", "-2", Provenance::recalled, "[R]", "PAPER §5.1: n^-2 (n -> nN inputs)"},
       {"exponent_d", "-1", "-1", Provenance::recalled, "[R]", "PAPER §5.1: 1/d"}},
  };
}

/// The form q_min δ m/(d P²) (times C_PL).
inline double pl_form(double q_min, double delta, double m, double d, double P) {
  return q_min * delta * m / (d * P * P);
}

}  // namespace diffbound::training_gradient_lower_bound
