// The drift rule of the training checks (theory/fitted_constants.hpp): held-out points of a bound with a
// fitted constant are held to kDriftFactor × the calibrated value, and the ratio they need is reported.
#include "tolerances.hpp"

#include <diffbound/checks/training/common.hpp>
#include <diffbound/theory/fitted_constants.hpp>

#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::checks;
using namespace diffbound::test;

namespace {
CaseResult judged(const std::vector<HeldOutPoint>& pts) {
  CaseResult r;
  r.check = "training.test";
  r.case_id = "drift";
  judge_worst(r, pts);
  return r;
}
double term(const CaseResult& r, const char* k) { return r.terms[k]["mid"].get<double>(); }
}  // namespace

TEST_CASE("drift rule: an upper bound's held-out point within the allowance holds, beyond it is violated",
          "[training][smoke]") {
  // measured 1.5 against a fitted bound of 1: beyond the calibrated constant, inside the allowance.
  const CaseResult ok = judged({fitted_upper("a", 1.5, 1.0, 1e-6), fitted_upper("b", 0.5, 1.0, 1e-6)});
  CHECK(ok.verdict == Verdict::holds);
  // The ratio and the allowance are a quotient and a product of the inputs: 1 rounding each.
  CHECK_WITHIN_EPS(term(ok, "held_out_ratio_to_calibrated"), 1.5, budgets::roundings(1));
  CHECK(term(ok, "held_out_beyond_calibrated") == 1);
  CHECK_WITHIN_EPS(ok.bound->mid, kDriftFactor * 1.0, budgets::roundings(1));
  // measured (kDriftFactor + 0.5) × the fitted bound: the constant drifted, a finding.
  const CaseResult bad = judged({fitted_upper("a", kDriftFactor + 0.5, 1.0, 1e-6), fitted_upper("b", 0.5, 1.0, 1e-6)});
  CHECK(bad.verdict == Verdict::violated);
  CHECK(bad.data["decisive_point"] == "a");
  CHECK(term(bad, "held_out_violated") == 1);
  // Within the measurement's error of the allowance: undecided, and said so.
  const CaseResult edge = judged({fitted_upper("a", kDriftFactor * 1.0 + 1e-8, 1.0, 1e-6)});
  CHECK(edge.verdict == Verdict::inconclusive);
}

TEST_CASE("drift rule: a lower bound's held-out point is held to the calibrated value over the allowance",
          "[training][smoke]") {
  // Lower bound: the fitted form says measured ≥ 3; a measured 2 needs the constant to shrink by 1.5.
  const CaseResult ok = judged({fitted_lower("a", 3.0, 2.0, 1e-9)});
  CHECK(ok.verdict == Verdict::holds);
  CHECK_WITHIN_EPS(term(ok, "held_out_ratio_to_calibrated"), 1.5, budgets::roundings(1));
  const CaseResult bad = judged({fitted_lower("a", 3.0, 3.0 / (kDriftFactor + 1), 1e-9)});
  CHECK(bad.verdict == Verdict::violated);
  // Points of a hard inequality (no fitted constant) carry no ratio, and no drift terms are recorded.
  const CaseResult hard = judged({HeldOutPoint{"x", 1.0, 2.0, 1e-9}});
  CHECK(hard.verdict == Verdict::holds);
  CHECK_FALSE(hard.terms.contains("held_out_ratio_to_calibrated"));
}
