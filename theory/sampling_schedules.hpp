// sampling.schedules — Song (geometric / exponential) against Karras (EDM ρ-polynomial) noise levels with
// the same endpoints: the paper's Table 2 logic (PAPER §3.3) on the encoded bound of
// theory/sampling_bound.hpp, and the crossover in the true error (PAPER §6.3.5).
//
// Table 2 as deduced in PAPER §3.3 [D] (cell values not seen):
//   E_S (score error):         polynomial (EDM) better  — smaller Σ_k Δ_k ε_k² for score errors that grow
//                              like 1/(λ + a) (left Riemann sums of ∫ da/(λ + a) lose more on unequal steps);
//   E_D + E_I (sampling):      exponential (geometric) better — smaller κ for the same N and endpoints.
// Final abstract [V-src]: "when the score is well trained, the design in [Song et al.] is more preferable,
// but when it is less trained, the design in [Karras et al.] becomes more preferable."
//
// Checked here: the two cells, as inequalities between the encoded terms of the two schedules (exact,
// interval arithmetic); the sampling.bound inequality on a grid of score errors η (c = 1 − η) and N for both
// schedules; and, as a map rather than a claim, which schedule has the smaller true KL and which the
// smaller bound in each grid cell, and the best EDM ρ (continuous) for the true KL and for the bound.
#pragma once

#include "provenance.hpp"
#include "sampling_bound.hpp"

namespace diffbound::sampling_schedules {

/// The claim of sampling.schedules: statement (plain and LaTeX), PAPER source and tag, assumptions, constants
/// with their provenance.
inline ClaimInfo claim() {
  return {
      "sampling.schedules",
      "Song (geometric) vs Karras (EDM rho = 7): Table 2 cells on the encoded bound, and the true-error crossover",
      "E_S(edm) <= E_S(geometric) and (E_D + E_I)(geometric) <= (E_D + E_I)(edm) for the same endpoints and N; "
      "KL <= E_I + E_D + E_S for both on a grid of score errors and N; crossover map of the true KL",
      R"(E_S^{\mathrm{EDM}}\le E_S^{\mathrm{geo}},\qquad (E_D+E_I)^{\mathrm{geo}}\le(E_D+E_I)^{\mathrm{EDM}})",
      "PAPER.md §3.3 (Table 2, deduced), §6.3.5 (caution on true errors)",
      "[D]",
      {"same endpoints sigma_min, sigma_max and number of levels N for both schedules",
       "affine score error c = 1 - eta (eps_k^2 = eta^2 sum_i 1/(lambda_i + a_k)), Gaussian data",
       "encoded bound and constants of sampling.bound (theory/sampling_bound.hpp)"},
      {{"C_D", "C_D", shortest_decimal(sampling_bound::committed_CD()), Provenance::unknown_fitted, "[UNKNOWN]",
        "from sampling.bound"},
       {"C_S", "C_S", shortest_decimal(sampling_bound::committed_CS()), Provenance::unknown_fitted, "[UNKNOWN]",
        "from sampling.bound"}},
  };
}

}  // namespace diffbound::sampling_schedules
