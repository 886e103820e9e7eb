// The verdict rule for a margin of any scalar kind (theory/verdict.hpp states the rule): the interval
// rule for MPFI enclosures, the floating rule for point kinds.
#pragma once

#include "scalar.hpp"
#include "verdict.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace diffbound {

/// Interval rule, exact: the signs of the two endpoints of the enclosure decide.
inline Judgement judge_enclosure(const mpfi_real& margin) {
  const auto* m = margin.backend().data();
  if (mpfr_nan_p(&m->left) || mpfr_nan_p(&m->right))
    return {Verdict::inconclusive, "the enclosure of the margin is NaN"};
  if (mpfr_sgn(&m->left) > 0) return {Verdict::verified, ""};
  if (mpfr_sgn(&m->right) < 0)
    return {Verdict::violated, "the enclosure of the margin " + to_text(margin, 6) + " lies below 0"};
  return {Verdict::inconclusive, "the enclosure of the margin " + to_text(margin, 6) + " contains 0"};
}

/// The verdict for a margin of any scalar kind.
///  * interval, no error estimate: the exact interval rule (VERIFIED / VIOLATED / INCONCLUSIVE);
///  * interval with an error estimate > 0 (e.g. a Monte Carlo confidence half-width): the estimate is
///    not an enclosure, so at best HOLDS; the whole enclosure must clear the estimate;
///  * point kinds: the floating rule, never VERIFIED.
template <class Real>
Judgement judge(const Real& margin, double error_estimate = 0.0) {
  if constexpr (is_interval_v<Real>) {
    if (error_estimate == 0.0) return judge_enclosure(margin);
    if (!is_finite(margin)) return {Verdict::inconclusive, "the margin is not finite"};
    const double lo = lower_double(margin), hi = upper_double(margin);
    if (!(error_estimate > 0) || !std::isfinite(error_estimate))
      return {Verdict::inconclusive, "the error estimate is not a finite non-negative number"};
    if (lo > error_estimate) return {Verdict::holds, ""};
    if (hi < -error_estimate)
      return {Verdict::violated,
              "the margin " + to_text(margin, 6) + " is below minus its error estimate " + to_text(error_estimate, 3)};
    return {Verdict::inconclusive,
            "the margin " + to_text(margin, 6) + " lies within its error estimate " + to_text(error_estimate, 3)};
  } else {
    // Rounding a point margin to double (nearest) could change the sign of a tiny margin: judge the
    // margin widened by one ulp of double in each direction, as a point value with the estimate.
    const double m = mid_double(margin);
    const double slack = std::fabs(m) * std::numeric_limits<double>::epsilon();
    return judge_estimate(m, error_estimate + slack);
  }
}

}  // namespace diffbound
