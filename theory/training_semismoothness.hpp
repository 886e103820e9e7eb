// training.semismoothness — the role of Lemma 9 of the paper (semi-smoothness of L̄_em w.h.p.), the
// analogue of Allen-Zhu–Li–Song Theorem 4 (PAPER §5.1 [R]). Statement [UNKNOWN]; encoded form:
//
//   L̄(θ̆ + Δ) − L̄(θ̆) − ⟨∇L̄(θ̆), Δ⟩
//        ≤ C_1 · sqrt(q_max P L̄(θ̆)) · ω^{1/3} · L² · sqrt(m ln m / d) · ‖Δ‖_2  +  C_2 · q_max P L² (m/d) · ‖Δ‖_2²,
//
// for ‖θ̆ − θ⁽⁰⁾‖_2 ≤ ω and ‖Δ‖_2 ≤ ω, with ‖·‖_2 the largest spectral norm over the trained layers,
// P = nN inputs, q_max = max_j 2 c_n β_j α_j² (AZ's loss has q = 1 and n samples). Here
// ω = max(‖θ̆ − θ⁽⁰⁾‖_2, ‖Δ‖_2). C_1, C_2 unknown: fitted (the pair that makes the form hold on the
// calibration points with the smallest total) and held to held-out points and directions.
#pragma once

#include "provenance.hpp"

#include <cmath>

namespace diffbound::training_semismoothness {

/// The claim of training.semismoothness: statement (plain and LaTeX), PAPER source and tag, assumptions, constants
/// with their provenance.
inline ClaimInfo claim() {
  return {
      "training.semismoothness",
      "Lemma 9's role: semi-smoothness of the empirical DSM loss (Allen-Zhu Thm 4 form)",
      "L(th+D) - L(th) - <grad L(th), D> <= C1 sqrt(q P L(th)) omega^(1/3) L^2 sqrt(m ln m/d) ||D||_2 "
      "+ C2 q P L^2 (m/d) ||D||_2^2",
      R"(\bar L(\breve\theta+\Delta)-\bar L(\breve\theta)-\langle\nabla\bar L(\breve\theta),\Delta\rangle \le C_1\sqrt{q P\,\bar L(\breve\theta)}\,\omega^{1/3}L^2\sqrt{\tfrac{m\ln m}{d}}\,\|\Delta\|_2 + C_2\,\frac{qPL^2m}{d}\,\|\Delta\|_2^2)",
      "PAPER.md §3 (Lemma 9 [S], statement [UNKNOWN]), §5.1 (Allen-Zhu Thm 4 [R])",
      "[S]/[R]",
      {"points within radius omega of the initialisation (along GD paths and random)",
       "remainders evaluated in MPFR so that round-off does not mask the second-order term"},
      {{"C_1", "C_1", "fitted", Provenance::unknown_fitted, "[UNKNOWN]",
        "PAPER §5.1: O(.) constant of the linear term"},
       {"C_2", "C_2", "fitted", Provenance::unknown_fitted, "[UNKNOWN]",
        "PAPER §5.1: O(.) constant of the quadratic term"},
       {"omega_exponent", "1/3", "1/3", Provenance::recalled, "[R]", "PAPER §5.1: omega^(1/3)"}},
  };
}

/// The coefficient of ‖Δ‖ (times C_1).
inline double linear_form(double q_max, double P, double loss, double omega, double L, double m, double d) {
  return std::sqrt(q_max * P * loss) * std::cbrt(omega) * L * L * std::sqrt(m * std::log(m) / d);
}
/// The coefficient of ‖Δ‖² (times C_2).
inline double quadratic_form(double q_max, double P, double L, double m, double d) { return q_max * P * L * L * m / d; }

}  // namespace diffbound::training_semismoothness
