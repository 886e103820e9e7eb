// Judged fits: every rate or scaling claim a check fits (a Fit with judged = true, e.g. from
// ConvergenceStudy::fit) becomes a case of kind `fit`, counted in the verdict table and the exit status
// like any other case (DESIGN.md "Scalars and verdicts"; issue 16, "rates and scalings judged").
//
// The rule. A fit has a slope b̂ with standard error se and ν = points − 2 degrees of freedom; the claim
// is b ≤ e (at_most), b ≥ e (at_least) or |b − e| ≤ s (close_to). Two one-sided t tests:
//   violated: H0 "the claim holds" (for close_to: each side, Bonferroni over the two sides),
//   holds:    H0 "the claim fails" (for close_to: two one-sided tests, TOST: the larger p).
// Each family (the check's violated tests, its holds tests) is corrected with Holm's step-down at level
// α = (1 − confidence)/2 per side (0.025 for the 95 % intervals the fits report, so that a family of one
// decides exactly as the fit's two-sided interval does). VIOLATED when the violated test rejects, HOLDS
// when the holds test rejects, INCONCLUSIVE otherwise (also with fewer than 3 points). Never VERIFIED: a
// fitted slope is a statistic, not an enclosure.
//
// The case records the slope (with its unadjusted interval) as the measured value, e as the bound, the
// margin (e − b̂, b̂ − e, or s − |b̂ − e|) with the error estimate q·se at the level Holm used for this fit,
// the two adjusted p-values, and the departure from the claim each test detects with probability 0.8.
// The fit's outcome in the summary is replaced by the judged verdict, so that the two never disagree.
#pragma once

#include <diffbound/results/schema.hpp>

#include <string>
#include <vector>

namespace diffbound::checks {

/// The cases of kind fit for a check's judged fits (in order), updating each judged fit's outcome,
/// p-values, family size and detectable departure. Fits with judged = false are left alone.
std::vector<results::CaseResult> judge_fits(const std::string& check_id, std::vector<results::Fit>& fits);

}  // namespace diffbound::checks
