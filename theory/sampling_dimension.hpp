// sampling.dimension — the number of steps needed for a target KL grows almost linearly in d (PAPER §3
// table: "sharp, almost linear complexity in terms of data dimension under optimal time schedules" [S];
// Benton et al. Corollary 1, N = Θ(d (T + log(1/δ))²/ε²) [R], PAPER §5.2).
//
// Measured: N*(d) = the smallest number of levels with KL(p_δ ‖ q_N) ≤ ε_target (exact Gaussian KL,
// bisection on integer N). Bound: N*_bound(d) = the smallest N with E_I + E_D ≤ ε_target (encoded bound of
// theory/sampling_bound.hpp, exact score). The endpoints follow the corollary's recipe: σ_max from
// E_I = m₂²/(2σ_max²) = ε_target/2 (half the budget to initialization), σ_min fixed.
//
// The claim checked: the fitted exponent of N*(d) is at most 1 (almost linear), for the schedule that
// minimises the encoded bound for the budget (the κ-minimal placement), EDM ρ = 7 and geometric levels.
#pragma once

#include "provenance.hpp"
#include "sampling_bound.hpp"

#include <cmath>
#include <cstdint>
#include <functional>

namespace diffbound::sampling_dimension {

/// The claim of sampling.dimension: statement (plain and LaTeX), PAPER source and tag, assumptions, constants
/// with their provenance.
inline ClaimInfo claim() {
  return {
      "sampling.dimension",
      "Steps needed for a target KL grow almost linearly in d",
      "exponent of N*(d) (smallest N with KL <= eps) fitted over d in [100, 1e5] is <= 1, under the bound-optimal "
      "schedule, EDM rho = 7 and geometric levels",
      R"(N^*(d) = \min\{N : \mathrm{KL}(p_\delta\|q_N)\le\varepsilon\} = O\big(d^{1+o(1)}\big))",
      "PAPER.md §3 (complexity table), §5.2 (Benton Corollary 1)",
      "[S]",
      {"Gaussian data, exact score, exponential-integrator VE sampler",
       "sigma_max from m2^2/(2 sigma_max^2) = eps/2; sigma_min fixed",
       "N* by bisection on integer N with the exact KL (KL decreasing in N, checked at N* - 1 and N*)"},
      {{"expected_exponent", "1", "1", Provenance::secondary, "[S]", "almost linear in d (PAPER §3, §5.2)"}},
  };
}

/// σ_max that gives E_I = m₂²/(2σ_max²) = fraction · target.
inline double sigma_max_for(double m2, double target, double fraction = 0.5) {
  return std::sqrt(m2 / (2 * fraction * target));
}

/// The encoded bound with the exact score as a function of N, in double: E_I + C_D F_D(κ(N)).
struct BoundOfN {
  double d, m2, a0, a_end, C_D;
  std::function<double(std::int64_t)> kappa;  ///< κ of the N-level schedule
  double operator()(std::int64_t n) const {
    const double k = kappa(n);
    const double L = std::max(0.0, -std::log(a_end));
    const double fd = d * k * k * static_cast<double>(n - 1) + k * (d * (1 + L) + m2);
    return m2 / (2 * a0) + C_D * fd;
  }
};

/// Smallest N ≥ 2 with f(N) ≤ target for a decreasing f, by doubling then bisection; 0 if none up to n_cap.
inline std::int64_t smallest_n(const std::function<double(std::int64_t)>& f, double target, std::int64_t n_cap) {
  std::int64_t hi = 2;
  while (f(hi) > target) {
    if (hi >= n_cap) return 0;
    hi = std::min<std::int64_t>(2 * hi, n_cap);
  }
  std::int64_t lo = std::max<std::int64_t>(1, hi / 2);  // f(lo) > target unless lo < 2
  if (lo < 2) return hi;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (f(mid) <= target ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace diffbound::sampling_dimension
